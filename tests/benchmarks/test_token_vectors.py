"""benchmarks.token_vectors: the pooled-only configuration really keeps no token vectors."""

from __future__ import annotations

from typing import Any

from benchmarks.token_vectors import PooledOnly, index_bytes_per_passage
from qa import Assistant

TEXTS = [
    "Lanterns light the harbour at night. The keeper trims the wicks at dusk.",
    "The falcon nests in the old tower. It hunts pigeons over the square.",
]


def test_an_index_without_token_vectors_is_smaller_and_still_answers(
    fake_encoder: Any,
) -> None:
    full = Assistant.from_texts(TEXTS, embedder=fake_encoder)
    pooled = Assistant.from_texts(TEXTS, embedder=PooledOnly(fake_encoder))

    assert full.collection.passage_count == pooled.collection.passage_count
    assert index_bytes_per_passage(pooled) < index_bytes_per_passage(full)
    answer = pooled.ask("Where does the falcon nest?")
    assert answer.found and "old tower" in answer.text
