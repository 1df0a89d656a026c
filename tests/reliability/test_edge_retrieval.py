"""Issue 6, item 5 (threats M5, D2, M8): degenerate collections answer sanely.

FAISS pads short result lists with id -1, and `rows[-1]` in Python quietly returns the
last row: a plausible but wrong citation. BM25 libraries divide by zero on empty corpora.
Each passage here is a one-sentence document, so no two can overlap and the number of
results must be exactly min(k, passages).
"""

from __future__ import annotations

import numpy as np
import pytest
import reliability_harness as harness
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings import VectorStore
from qa import Assistant, Source
from qa.answer.compose import NO_DOCUMENTS_TEXT

SENTENCES = [
    "Cats purr.",
    "The harbour lantern glows.",
    "Falcons dive fast.",
    "Copper kettles whistle.",
    "Glaciers carve valleys.",
    "Violins need rosin.",
    "Saffron is costly.",
    "Willows bend in wind.",
]


def _assistant(texts: list[str]) -> Assistant:
    assistant = Assistant(harness.FakeEncoder())
    if texts:
        assistant.add_documents(texts)
    return assistant


def _check_sources(assistant: Assistant, sources: list[Source], expected: int) -> None:
    assert len(sources) == expected
    keys = [(s.doc_id, s.start, s.end) for s in sources]
    assert len(set(keys)) == len(keys), "a passage came back twice"
    texts = {d.id: d.text for d in assistant.documents}
    for source in sources:
        assert texts[source.doc_id][source.start : source.end] == source.text
    assert [s.number for s in sources] == list(range(1, expected + 1))


def test_an_empty_collection_says_there_is_nothing_to_search() -> None:
    assistant = _assistant([])
    reply = assistant.ask("Do cats purr?", top_k=5)
    assert (reply.found, reply.text, reply.sources, reply.confidence) == (
        False,
        NO_DOCUMENTS_TEXT,
        [],
        0.0,
    )
    assert assistant.search("cats", k=100) == []


def test_a_collection_emptied_by_removal_behaves_like_a_new_one() -> None:
    assistant = _assistant(SENTENCES[:2])
    for document in assistant.documents:
        assistant.remove_document(document.id)
    assert assistant.ask("Do cats purr?").text == NO_DOCUMENTS_TEXT
    assert assistant.search("cats", k=3) == []
    assert len(assistant.collection.store) == 0


@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 100])
def test_tiny_collections_return_exactly_min_k_n_distinct_passages(count: int, k: int) -> None:
    assistant = _assistant(SENTENCES[:count])
    _check_sources(assistant, assistant.search("purring cats", k=k), min(k, count))
    _check_sources(assistant, assistant.ask("Do cats purr?", top_k=k).sources, min(k, count))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    chosen=st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8, unique=True),
    k=st.integers(min_value=1, max_value=100),
    query=st.sampled_from(["cats", "lantern harbour", "zebra", "the of and", "valleys 2024"]),
    scoped=st.booleans(),
)
def test_any_small_collection_returns_min_k_n_without_padding(
    chosen: list[str], k: int, query: str, scoped: bool
) -> None:
    assistant = _assistant(chosen)
    scope = [d.id for d in assistant.documents][: max(1, len(chosen) // 2)] if scoped else None
    available = len(scope) if scope is not None else len(chosen)
    sources = assistant.search(query, k=k, documents=scope)
    _check_sources(assistant, sources, min(k, available))
    if scope is not None:
        assert {s.doc_id for s in sources} <= set(scope)


def test_documents_without_a_single_index_term_do_not_divide_by_zero() -> None:
    """rank_bm25#36: stop words and punctuation only give BM25 an empty corpus."""
    assistant = _assistant(["The of and.", "?!", "And the."])
    reply = assistant.ask("the of and", top_k=5)
    _check_sources(assistant, reply.sources, 3)
    assert 0.0 <= reply.confidence <= 1.0
    _check_sources(assistant, assistant.search("anything at all", k=2), 2)


@pytest.mark.parametrize("stored", [0, 1, 2])
def test_the_vector_store_never_returns_a_padding_id(stored: int) -> None:
    store = VectorStore(4)
    vectors = np.eye(4, dtype=np.float32)[:stored]
    store.add(range(10, 10 + stored), vectors)
    hits = store.search(np.ones(4, dtype=np.float32) / 2, k=10)
    assert len(hits) == stored
    assert (hits.ids >= 10).all()
    assert len(store.search(np.ones(4, dtype=np.float32) / 2, k=10, allowed=[])) == 0
    assert len(store.search(np.ones(4, dtype=np.float32) / 2, k=10, allowed=[99])) == 0
