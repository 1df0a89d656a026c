"""Retrieval: dense and BM25 rankings fused by reciprocal rank, without near-duplicates,
never more results than exist, optionally scoped to some documents."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pytest

from qa import Assistant, Settings, UnknownDocumentError
from qa.chunking import ChunkingConfig
from qa.retrieve import RetrievalConfig, retrieve
from qa.types import Source

# Four one-sentence documents. Dense vectors come from hand-picked concepts, so a synonym
# ("automobile") is near "car" for the dense side while BM25 sees only the literal words.
CONCEPTS = {
    "car": 0, "automobile": 0,
    "repair": 1, "mechanic": 1,
    "bicycle": 2,
    "weather": 3, "sunny": 3,
}  # fmt: skip
AUTOMOBILE = "The automobile needs new tyres."  # dense: car
CAR_REPAIR = "Car repair shops open at eight."  # dense: car + repair; BM25: car, repair
BICYCLE_REPAIR = "Bicycle repair is cheap."  # dense: repair + bicycle; BM25: repair
WEATHER = "The weather is sunny today."  # dense: weather only
TEXTS = [AUTOMOBILE, CAR_REPAIR, BICYCLE_REPAIR, WEATHER]


class ConceptEncoder:
    """Each known word adds 1 on its concept's axis; the last axis keeps vectors non-zero."""

    name = "concept-encoder"
    weights_sha256 = "1" * 64
    dimension = 5

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in CONCEPTS:
                vector[CONCEPTS[word]] += 1.0
        if not vector.any():
            vector[-1] = 1.0
        return vector / np.linalg.norm(vector)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 5), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def garage(mode: str = "hybrid", fusion: str = "rrf") -> Assistant:
    config = RetrievalConfig(mode=mode, fusion=fusion)  # type: ignore[arg-type]
    settings = Settings(retrieval=config)
    return Assistant.from_texts(TEXTS, embedder=ConceptEncoder(), settings=settings)


def texts(sources: list[Source]) -> list[str]:
    return [source.text for source in sources]


# ----- fusion -----------------------------------------------------------------------------
def test_dense_ranks_by_meaning_so_the_synonym_comes_second() -> None:
    # cosines with (car + repair): 1.0, 0.71 (automobile), 0.5 (bicycle repair), 0
    assert texts(garage("dense").search("car repair", k=4)) == [
        CAR_REPAIR,
        AUTOMOBILE,
        BICYCLE_REPAIR,
        WEATHER,
    ]


def test_lexical_ranks_by_shared_words_and_leaves_out_passages_without_any() -> None:
    assert texts(garage("lexical").search("car repair", k=4)) == [CAR_REPAIR, BICYCLE_REPAIR]


def test_rrf_fuses_ranks_so_a_passage_in_both_lists_beats_one_in_a_single_list() -> None:
    sources = garage("hybrid", fusion="rrf").search("car repair", k=4)

    # RRF with k=60: car repair 1/61 + 1/61; bicycle repair 1/63 + 1/62;
    # automobile 1/62 (dense only); weather 1/64 (dense only).
    assert texts(sources) == [CAR_REPAIR, BICYCLE_REPAIR, AUTOMOBILE, WEATHER]
    assert [s.score for s in sources] == pytest.approx([2 / 61, 1 / 63 + 1 / 62, 1 / 62, 1 / 64])
    assert [(s.dense_rank, s.lexical_rank) for s in sources] == [
        (1, 1),
        (3, 2),
        (2, None),
        (4, None),
    ]


def test_fusion_weights_scale_each_list() -> None:
    config = RetrievalConfig(fusion="rrf", dense_weight=0.0, lexical_weight=1.0)
    settings = Settings(retrieval=config)
    assistant = Assistant.from_texts(TEXTS, embedder=ConceptEncoder(), settings=settings)

    sources = assistant.search("car repair", k=4)

    assert texts(sources)[:2] == [CAR_REPAIR, BICYCLE_REPAIR]
    assert sources[0].score == pytest.approx(1 / 61)


def test_evidence_fusion_weighs_how_close_not_just_the_rank() -> None:
    sources = garage("hybrid", fusion="evidence").search("car repair", k=4)

    # 0.5 * passage cosine + 0.5 * best sentence cosine + 0.5 * share of the question's idf;
    # one-sentence passages, so both cosines are equal. idf(car) = ln(1 + 3.5/1.5) (1 of 4
    # passages), idf(repair) = ln(2) (2 of 4): bicycle repair covers ln 2 / (sum) of it.
    repair_share = math.log(2) / (math.log(1 + 3.5 / 1.5) + math.log(2))
    assert texts(sources) == [CAR_REPAIR, AUTOMOBILE, BICYCLE_REPAIR, WEATHER]
    assert [s.score for s in sources] == pytest.approx(
        [1.5, math.sqrt(0.5), 0.5 + 0.5 * repair_share, 0.0], abs=1e-6
    )


def test_evidence_is_the_default_fusion() -> None:
    assert RetrievalConfig().fusion == "evidence"


def test_sources_report_both_retrievers_scores() -> None:
    best = garage().search("car repair", k=1)[0]

    assert best.dense_score == pytest.approx(1.0)
    assert best.lexical_score is not None and best.lexical_score > 0
    assert best.answer_start is None and best.answer_end is None


# ----- how many ---------------------------------------------------------------------------
def test_asking_for_more_than_exists_returns_exactly_what_exists() -> None:
    assistant = garage()

    sources = assistant.search("car repair", k=50)

    assert sorted(texts(sources)) == sorted(TEXTS)
    assert [s.number for s in sources] == [1, 2, 3, 4]


def test_an_empty_collection_returns_nothing() -> None:
    assistant = Assistant(ConceptEncoder())

    assert assistant.search("car repair", k=3) == []
    assert retrieve(assistant.collection, "car", ConceptEncoder().encode_query("car"), 3) == []


# ----- near-duplicates -----------------------------------------------------------------
def test_overlapping_windows_of_the_same_place_are_not_returned_twice() -> None:
    paragraph = " ".join(f"Fact {n} is about car repair." for n in range(1, 7))  # 29 chars each
    chunking = ChunkingConfig(max_chars=90, overlap_sentences=2, max_sentence_chars=90)
    assistant = Assistant.from_texts(
        [paragraph], embedder=ConceptEncoder(), settings=Settings(chunking=chunking)
    )
    assert assistant.collection.passage_count == 4  # windows 1-3, 2-4, 3-5, 4-6

    sources = assistant.search("car repair", k=10)

    assert 1 <= len(sources) < 4
    for i, one in enumerate(sources):
        for other in sources[i + 1 :]:
            shared = min(one.end, other.end) - max(one.start, other.start)
            assert 2 * shared <= min(one.end - one.start, other.end - other.start)


def test_the_same_offsets_in_two_documents_are_not_duplicates() -> None:
    assistant = Assistant.from_texts(
        ["Car repair in Leeds.", "Car repair in Hull."], embedder=ConceptEncoder()
    )

    assert len(assistant.search("car repair", k=5)) == 2


# ----- scope ----------------------------------------------------------------------------
def test_search_can_be_limited_to_some_documents() -> None:
    assistant = garage()
    bicycle_id = next(d.id for d in assistant.documents if d.text == BICYCLE_REPAIR)

    sources = assistant.search("car repair", k=5, documents=[bicycle_id])

    assert texts(sources) == [BICYCLE_REPAIR]
    assert sources[0].doc_id == bicycle_id


def test_a_scope_of_one_id_may_be_given_as_a_string() -> None:
    assistant = garage()
    weather_id = next(d.id for d in assistant.documents if d.text == WEATHER)

    assert texts(assistant.search("car repair", documents=weather_id)) == [WEATHER]


def test_an_unknown_document_in_the_scope_is_refused_with_the_known_ids() -> None:
    assistant = garage()
    known = assistant.documents[0].id

    message = rf"No document with id 'nope'; known ids: .*{known}"
    with pytest.raises(UnknownDocumentError, match=message):
        assistant.search("car repair", documents=["nope"])


def test_retrieve_with_a_scope_matching_nothing_returns_nothing() -> None:
    assistant = garage()
    vector = ConceptEncoder().encode_query("car repair")

    assert retrieve(assistant.collection, "car repair", vector, 5, documents={"nope"}) == []


# ----- settings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"mode": "sparse"}, r"mode must be one of hybrid, dense, lexical; got 'sparse'\."),
        ({"fusion": "max"}, r"fusion must be one of evidence, rrf; got 'max'\."),
        ({"rrf_k": -1}, r"rrf_k must be 0 or more, got -1\."),
        ({"depth": 0}, r"depth must be at least 1, got 0\."),
        ({"dense_weight": -1.0}, r"dense_weight and lexical_weight must be 0 or more\."),
    ],
)
def test_settings_are_validated(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetrievalConfig(**settings)  # type: ignore[arg-type]
