"""Issue 6, item 11, API half (threats Q1-Q4, Q6): bad questions get a clear error early.

Every refusal is a QuestionError (a ValueError) with a message saying what to fix, raised
before the question reaches the model: the spy below counts query encodings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import reliability_harness as harness

from qa import MAX_QUESTION_CHARS, Assistant, QuestionError, UnknownDocumentError


class _Spy(harness.FakeEncoder):  # type: ignore[misc, name-defined]
    queries = 0

    def encode_query(self, text: str) -> np.ndarray:
        type(self).queries += 1
        return super().encode_query(text)  # type: ignore[no-any-return]


BAD_QUESTIONS = {
    "empty": ("", r"The question is empty; type a question"),
    "whitespace": (" \n\t\u3000 ", r"The question is empty"),
    "punctuation only": ("?!...;:—", r"no words in it, only punctuation or symbols"),
    "symbols only": ("$$ ** <>", r"no words in it"),
    "zero-width only": ("\u200b\u200d\ufeff", r"no words in it"),
    "lone surrogate": ("What is \ud800 this?", r"invalid characters \(unpaired surrogates\)"),
    "NUL byte": ("What\x00 happened?", r"contains a NUL character; remove it"),
    "100k characters": ("why" * 33_333 + "y", r"is 100,000 characters long; the limit is 2,000"),
    "not text": (None, r"must be text, got NoneType"),
    "bytes": (b"What happened?", r"must be text, got bytes"),
}


@pytest.fixture
def spied() -> Assistant:
    _Spy.queries = 0
    return Assistant.from_texts(["Lanterns light the harbour at night."], embedder=_Spy())


@pytest.mark.parametrize("case", list(BAD_QUESTIONS))
@pytest.mark.parametrize("call", ["ask", "search", "chat"])
def test_a_bad_question_is_refused_with_a_clear_message_before_encoding(
    spied: Assistant, case: str, call: str
) -> None:
    question, message = BAD_QUESTIONS[case]
    entry_points: dict[str, Callable[[Any], object]] = {
        "ask": spied.ask,
        "search": spied.search,
        "chat": spied.chat().ask,
    }
    ask = entry_points[call]
    with pytest.raises(QuestionError, match=message) as caught:
        ask(question)
    assert isinstance(caught.value, ValueError)
    assert _Spy.queries == 0


@pytest.mark.parametrize("top_k", [0, -1, MAX_QUESTION_CHARS, True, 2.5, "3", None])
def test_a_bad_top_k_is_refused_naming_the_value(spied: Assistant, top_k: object) -> None:
    with pytest.raises(QuestionError, match=r"top_k must be"):
        spied.ask("Where are the lanterns?", top_k=top_k)  # type: ignore[arg-type]


def test_an_unknown_document_scope_names_the_known_ids(spied: Assistant) -> None:
    known = spied.documents[0].id
    with pytest.raises(UnknownDocumentError, match=rf"No document with id 'nope'.*{known}"):
        spied.ask("Where are the lanterns?", documents=["nope"])


@pytest.mark.parametrize(
    "question",
    [
        "What about .*( and [unclosed?",
        'He said "harbour" \\ then left',
        "the of and",
        "a" * MAX_QUESTION_CHARS,
        "Où sont les lanternes ?",
        "<img src=x onerror=alert(1)> lanterns?",
    ],
)
def test_odd_but_valid_questions_are_answered_not_refused(spied: Assistant, question: str) -> None:
    """Q3, Q5, Q6: metacharacters are literal, stop words alone still get an answer."""
    reply = spied.ask(question)
    assert reply.question == question.strip()
    assert 0.0 <= reply.confidence <= 1.0
