"""Fixtures for the answer stage: the evidence `Assistant.ask` would answer from."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qa import Assistant
from qa.answer.evidence import Evidence
from qa.retrieve import retrieve

MakeEvidence = Callable[..., Evidence]


def _evidence_for(assistant: Assistant, question: str, top_k: int = 3) -> Evidence:
    """The question's evidence as `ask` gathers it (retrieval as deep as `ask` goes)."""
    vector = assistant.embedder.encode_query(question)
    depth = max(top_k, assistant.settings.answering.passages)
    candidates = retrieve(
        assistant.collection, question, vector, depth, assistant.settings.retrieval
    )
    return Evidence(
        collection=assistant.collection,
        question=question,
        query_vector=vector,
        candidates=candidates,
        top_k=top_k,
        config=assistant.settings.answering,
    )


@pytest.fixture
def evidence_for() -> MakeEvidence:
    """`evidence_for(assistant, question, top_k=3)`: the Evidence `ask` would answer."""
    return _evidence_for
