"""Retrieved passages -> the answer sentence(s), their spans, a confidence, or a refusal.

Extractive on purpose: every word of an answer is a quote, so it can always be checked
against its cited source. A sentence is scored by its own dense similarity to the
question, by how much of the question's rarer vocabulary it contains, and by the rank of
its passage; the confidence is a logistic model over the strength of that evidence,
fitted on labelled questions (see `benchmarks/calibrate.py`), not set by hand.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qa.collection import Collection
from qa.retrieval import Candidate
from qa.types import Answer, Source, Span

NO_DOCUMENTS_TEXT = "There are no documents to search yet. Add a document, then ask again."


def not_found_text(has_sources: bool) -> str:
    """The reply when the evidence is too weak; says plainly that the answer is absent."""
    if has_sources:
        return (
            "The documents don't say. None of the passages answers this question; "
            "the nearest ones are listed as sources."
        )
    return "The documents don't say: nothing in them matches this question."


@dataclass(frozen=True)
class AnsweringConfig:
    """How the answer sentence is chosen and how sure we are of it.

    Attributes:
        passages: how many of the top passages are searched for the answer sentence.
        dense_weight, lexical_weight, rank_weight: the sentence score is
            dense_weight * cosine + lexical_weight * coverage + rank_weight / passage rank.
        neighbour_ratio: the best adjacent sentence of the same passage is added when its
            score reaches this share of the best one's.
        short_sentence_chars: a best sentence shorter than this always gets its best
            neighbour (a bare "he said." is no answer on its own).
        max_answer_chars: the answer never grows past this by adding a neighbour.
        calibration: logistic weights for (sentence cosine, sentence coverage, passage
            cosine, passage coverage) followed by the intercept.
        threshold: confidence below which the reply is "the documents don't say".
    """

    passages: int = 3
    dense_weight: float = 1.0
    lexical_weight: float = 0.5
    rank_weight: float = 0.1
    neighbour_ratio: float = 0.9
    short_sentence_chars: int = 60
    max_answer_chars: int = 400
    calibration: tuple[float, float, float, float, float] = (6.0, 3.0, 4.0, 3.0, -6.5)
    threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.passages < 1:
            raise ValueError(f"passages must be at least 1, got {self.passages}.")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}.")
        if len(self.calibration) != 5:
            raise ValueError("calibration must hold 4 weights and an intercept.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScoredSentence:
    doc_id: str
    index: int  # in the document's sentence list
    span: Span
    passage: int  # position of its passage among the candidates (0-based)
    dense: float
    coverage: float
    score: float


def score_sentences(
    collection: Collection,
    question: str,
    query_vector: np.ndarray,
    candidates: list[Candidate],
    config: AnsweringConfig,
) -> list[ScoredSentence]:
    """Every sentence of the top passages with its features and score, best first."""
    index, _ = collection.lexical()
    question_terms = index.terms(question)
    scored: list[ScoredSentence] = []
    seen: set[tuple[str, int]] = set()
    for position, candidate in enumerate(candidates[: config.passages]):
        chunk = candidate.chunk
        entry = collection.entry(chunk.doc_id)
        rows = range(chunk.first_sentence, chunk.last_sentence + 1)
        dense = entry.sentence_vectors[chunk.first_sentence : chunk.last_sentence + 1] @ query_vector
        for row, cosine in zip(rows, dense, strict=True):
            if (chunk.doc_id, row) in seen:
                continue
            seen.add((chunk.doc_id, row))
            span = entry.sentences[row]
            text_terms = index.terms_of(
                (chunk.doc_id, row), entry.document.text[span.start : span.end]
            )
            cover = index.coverage(question_terms, text_terms)
            score = (
                config.dense_weight * float(cosine)
                + config.lexical_weight * cover
                + config.rank_weight / (position + 1)
            )
            scored.append(
                ScoredSentence(chunk.doc_id, row, span, position, float(cosine), cover, score)
            )
    scored.sort(key=lambda s: -s.score)
    return scored


def confidence(features: tuple[float, float, float, float], config: AnsweringConfig) -> float:
    """Calibrated probability that the chosen sentence answers the question."""
    *weights, intercept = config.calibration
    z = intercept + sum(w * f for w, f in zip(weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def evidence_features(
    collection: Collection,
    question: str,
    best: ScoredSentence,
    top: Candidate,
) -> tuple[float, float, float, float]:
    """(sentence cosine, sentence coverage, passage cosine, passage coverage)."""
    index, _ = collection.lexical()
    passage_cover = index.coverage(index.terms(question), set(index.terms(top.chunk.text)))
    return (best.dense, best.coverage, top.dense_score, passage_cover)


def _with_neighbour(
    best: ScoredSentence, scored: list[ScoredSentence], candidate: Candidate, config: AnsweringConfig
) -> list[ScoredSentence]:
    """The best sentence, plus its better neighbour in the same passage when it helps."""
    chunk = candidate.chunk
    neighbours = [
        s
        for s in scored
        if s.doc_id == best.doc_id
        and abs(s.index - best.index) == 1
        and chunk.first_sentence <= s.index <= chunk.last_sentence
    ]
    if not neighbours:
        return [best]
    neighbour = max(neighbours, key=lambda s: s.score)
    short = best.span.end - best.span.start < config.short_sentence_chars
    strong = neighbour.score >= config.neighbour_ratio * best.score
    length = max(best.span.end, neighbour.span.end) - min(best.span.start, neighbour.span.start)
    if (short or strong) and length <= config.max_answer_chars:
        return sorted([best, neighbour], key=lambda s: s.index)
    return [best]


def answer(
    collection: Collection,
    question: str,
    query_vector: np.ndarray,
    candidates: list[Candidate],
    top_k: int,
    config: AnsweringConfig | None = None,
) -> Answer:
    """Build the reply from ranked candidates (at most `top_k` of them become sources)."""
    config = config or AnsweringConfig()
    if not candidates:
        text = NO_DOCUMENTS_TEXT if collection.passage_count == 0 else not_found_text(False)
        return Answer(question=question, text=text, found=False, confidence=0.0, sources=[])
    scored = score_sentences(collection, question, query_vector, candidates, config)
    best = scored[0]
    cited = candidates[best.passage]
    chosen = _with_neighbour(best, scored, cited, config)
    features = evidence_features(collection, question, best, candidates[0])
    belief = confidence(features, config)
    found = belief >= config.threshold
    shown = _choose_sources(candidates, best.passage if found else None, top_k)
    sources = []
    for number, (position, candidate) in enumerate(shown, start=1):
        span = None
        if found and position == best.passage:
            span = (chosen[0].span.start - candidate.chunk.start, chosen[-1].span.end - candidate.chunk.start)
        sources.append(_source(collection, number, candidate, span))
    if not found:
        return Answer(question, not_found_text(True), False, belief, sources)
    number = next(s.number for s, (p, _) in zip(sources, shown, strict=True) if p == best.passage)
    document = collection.entry(best.doc_id).document
    quote = document.text[chosen[0].span.start : chosen[-1].span.end]
    return Answer(question, f"{quote} [{number}]", True, belief, sources)


def _choose_sources(
    candidates: list[Candidate], cited: int | None, top_k: int
) -> list[tuple[int, Candidate]]:
    """The top_k passages in rank order, making room for the cited one if it ranks lower."""
    positions = list(range(min(top_k, len(candidates))))
    if cited is not None and cited not in positions:
        positions = [*positions[: top_k - 1], cited]
    return [(p, candidates[p]) for p in positions]


def _source(
    collection: Collection, number: int, candidate: Candidate, span: tuple[int, int] | None
) -> Source:
    chunk = candidate.chunk
    return Source(
        number=number,
        doc_id=chunk.doc_id,
        title=collection.entry(chunk.doc_id).document.title,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=candidate.score,
        answer_start=span[0] if span else None,
        answer_end=span[1] if span else None,
        dense_rank=candidate.dense_rank,
        lexical_rank=candidate.lexical_rank,
        dense_score=candidate.dense_score,
        lexical_score=candidate.lexical_score,
    )
