"""Which passages are listed as sources: the top_k in rank order, cited ones always in."""

from __future__ import annotations

from qa import Assistant
from qa.answer.sources import choose_sources, code_spans, nearest
from qa.retrieve import retrieve
from qa.types import Block, Document


def test_the_top_k_in_rank_order_when_nothing_cited_ranks_lower() -> None:
    candidates = ["a", "b", "c", "d", "e"]

    assert choose_sources(candidates, [1], 3) == [(0, "a"), (1, "b"), (2, "c")]  # type: ignore[arg-type]


def test_a_cited_passage_ranked_lower_takes_the_last_place() -> None:
    candidates = ["a", "b", "c", "d", "e"]

    shown = choose_sources(candidates, [4], 3)  # type: ignore[arg-type]

    assert shown == [(0, "a"), (1, "b"), (4, "e")]


def test_cited_passages_are_kept_even_past_top_k() -> None:
    candidates = ["a", "b", "c", "d"]

    assert [p for p, _ in choose_sources(candidates, [2, 3], 1)] == [2, 3]  # type: ignore[arg-type]


def test_code_spans_are_offsets_into_the_passage_clipped_to_it() -> None:
    text = "Intro.\n\nrun this\n\nOutro."
    document = Document(
        id="d",
        title="t",
        text=text,
        blocks=(Block("paragraph", 0, 6), Block("code", 8, 16), Block("paragraph", 18, 24)),
    )

    assert code_spans(document, 4, 12) == ((4, 8),)
    assert code_spans(document, 17, 24) == ()


def test_the_nearest_passages_are_listed_without_a_quote(fake_assistant: Assistant) -> None:
    question = "What is the recipe for lemon meringue pie?"
    vector = fake_assistant.embedder.encode_query(question)
    candidates = retrieve(
        fake_assistant.collection, question, vector, 6, fake_assistant.settings.retrieval
    )

    listed = nearest(fake_assistant.collection, candidates, 2)

    assert [s.number for s in listed] == [1, 2]
    assert [(s.doc_id, s.start) for s in listed] == [
        (c.chunk.doc_id, c.chunk.start) for c in candidates[:2]
    ]
    assert all(s.answer_start is None for s in listed)
