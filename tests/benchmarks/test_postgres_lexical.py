"""The lexical-search comparison's scoring, with a search given by hand."""

from __future__ import annotations

from benchmarks.postgres_lexical import measure
from qa.types import Chunk


def _chunk(doc_id: str, text: str) -> Chunk:
    return Chunk(doc_id, 0, 0, len(text), text, 0, 0)


def test_found_at_k_counts_the_first_passage_of_the_right_document_with_the_answer() -> None:
    wrong_doc = _chunk("b", "The harbour opened in 1887.")
    no_answer = _chunk("a", "The harbour is old.")
    gold = _chunk("a", "The harbour opened in 1887.")
    results = {
        "first": [gold],
        "second": [wrong_doc, gold],
        "sixth": [no_answer] * 5 + [gold],
        "never": [wrong_doc, no_answer],
    }
    questions = [(q, "a", ("1887",)) for q in results]

    figures = measure("by hand", lambda q: results[q], questions)

    assert figures.found_at == {1: 0.25, 5: 0.5, 30: 0.75}
    assert figures.row().startswith("| by hand | 0.250 | 0.500 | 0.750 |")
