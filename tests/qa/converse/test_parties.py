"""Questions comparing two parties ("compare what Xi and Putin said") -> one per party."""

from __future__ import annotations

import pytest

from qa.converse.parties import comparison_queries


def test_a_comparison_becomes_one_question_per_party() -> None:
    assert comparison_queries("Compare what Xi and Putin said about Afghanistan") == (
        ("Xi", "What Xi said about Afghanistan"),
        ("Putin", "What Putin said about Afghanistan"),
    )
    assert comparison_queries("What did Xi and Putin each say about the war?") == (
        ("Xi", "What did Xi say about the war?"),
        ("Putin", "What did Putin say about the war?"),
    )


@pytest.mark.parametrize(
    "question",
    [
        "What did the General Conference on Weights and Measures name after Tesla?",
        "What was the final score of the game between the Broncos and Steelers?",
        "What did Xi say about Afghanistan?",
    ],
)
def test_two_names_without_a_comparing_word_are_no_comparison(question: str) -> None:
    assert comparison_queries(question) == ()


def test_a_request_to_contrast_loses_its_opening_word() -> None:
    assert comparison_queries("Please contrast the views Xi and Putin hold") == (
        ("Xi", "The views Xi hold"),
        ("Putin", "The views Putin hold"),
    )
