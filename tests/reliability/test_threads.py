"""Threats L5 and M7: one assistant shared by threads, and a model that returns garbage.

The Assistant's docstring promises that questions may run concurrently with each other
and with additions; FAISS CPU indexes are safe for concurrent search only (faiss wiki),
so every mutation must be serialised by the collection's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest
import reliability_harness as harness

from qa import Assistant, DocumentError

TEXTS = [f"Record {n}: the harbour lantern number {n} glows over pier {n}." for n in range(40)]


def _hammer(assistant: Assistant, mutate: object) -> list[str]:
    """Run 8 asking threads while `mutate` runs in another; returns every error seen."""
    errors: list[str] = []
    stop = threading.Event()
    texts = {
        d.id: d.text for d in Assistant.from_texts(TEXTS, embedder=harness.FakeEncoder()).documents
    }

    def ask() -> None:
        while not stop.is_set():
            try:
                reply = assistant.ask("Which lantern glows over the pier?", top_k=5)
                for source in reply.sources:
                    text = texts[source.doc_id]
                    if text[source.start : source.end] != source.text:
                        errors.append(f"offsets of {source.doc_id} do not match")
            except Exception as err:
                errors.append(f"{type(err).__name__}: {err}")

    askers = [threading.Thread(target=ask) for _ in range(8)]
    for thread in askers:
        thread.start()
    try:
        mutate()  # type: ignore[operator]
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    return errors


def test_questions_run_safely_while_documents_are_added() -> None:
    assistant = Assistant.from_texts(TEXTS[:5], embedder=harness.FakeEncoder())

    def add() -> None:
        for text in TEXTS[5:]:
            assistant.add_documents([text])

    assert _hammer(assistant, add) == []
    assert len(assistant.documents) == len(TEXTS)
    assert len(assistant.collection.store) == assistant.collection.passage_count


def test_questions_run_safely_while_documents_are_removed_and_re_added() -> None:
    assistant = Assistant.from_texts(TEXTS, embedder=harness.FakeEncoder())

    def churn() -> None:
        for _ in range(3):
            for document in assistant.documents[:20]:
                assistant.remove_document(document.id)
                assistant.add_documents([document])

    assert _hammer(assistant, churn) == []
    assert len(assistant.documents) == len(TEXTS)


class _NaNOnce(harness.FakeEncoder):  # type: ignore[misc, name-defined]
    """Returns NaN for any text that mentions "poison": a model failing on one input."""

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        vectors = super().encode(texts)
        for row, text in enumerate(texts):
            if "poison" in text:
                vectors[row] = np.nan
        return vectors  # type: ignore[no-any-return]


def test_a_model_returning_nan_adds_nothing_and_says_which_document() -> None:
    """M7: a batch with one bad document must leave the collection as it was."""
    assistant = Assistant.from_texts(TEXTS[:2], embedder=_NaNOnce())
    before = [d.id for d in assistant.documents], len(assistant.collection.store)
    with pytest.raises(
        DocumentError, match=r"invalid \(NaN or infinite\) vectors.*nothing was added"
    ):
        assistant.add_documents([TEXTS[2], "A poison pill for the model.", TEXTS[3]])
    after = [d.id for d in assistant.documents], len(assistant.collection.store)
    assert after == before
