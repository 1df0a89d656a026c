"""The evidence object: one question's inputs to answering, passed whole and kept unchanged."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from qa import Assistant
from qa.answer.compose import answer
from qa.answer.config import AnsweringConfig
from qa.answer.evidence import Evidence

QUESTION = "What did Putin say about external forces?"


def test_answering_the_evidence_is_what_ask_answers(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, QUESTION)

    assert answer(evidence) == fake_assistant.ask(QUESTION)


def test_reading_more_passages_changes_only_the_passages(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, QUESTION)

    deeper = evidence.reading(6)

    assert deeper.config == dataclasses.replace(evidence.config, passages=6)
    assert evidence.config.passages == AnsweringConfig().passages  # the original is unchanged
    assert deeper.candidates is evidence.candidates and deeper.question == evidence.question


def test_the_evidence_is_frozen_and_named_by_keyword(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, QUESTION)

    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.top_k = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Evidence(fake_assistant.collection, QUESTION)  # type: ignore[misc, call-arg]


def test_the_settings_default_to_the_shipped_ones(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, QUESTION)

    plain = dataclasses.replace(evidence)
    bare = Evidence(
        collection=plain.collection,
        question=plain.question,
        query_vector=plain.query_vector,
        candidates=plain.candidates,
        top_k=plain.top_k,
    )

    assert bare.config == AnsweringConfig()
