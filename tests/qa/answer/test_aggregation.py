"""Answers of several quotes: what asks for a list, the settings, merging answers.

How a Chat uses them (a list question collects cited sentences within the budget) is
specified in tests/qa/converse/test_chat.py.
"""

from __future__ import annotations

import pytest

from qa import Answer, Source
from qa.answer.aggregation import AggregationConfig, merge, wants_several


def test_list_questions_are_recognised() -> None:
    assert wants_several("What did the two leaders agree on?")
    assert wants_several("List all the agreements")
    assert not wants_several("What did Putin say about external forces?")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_chars": 0}, "max_chars must be at least 1, got 0"),
        ({"ratio": 0.0}, r"ratio must be in \(0, 1\], got 0.0"),
        ({"ratio": 1.5}, r"ratio must be in \(0, 1\], got 1.5"),
        ({"passages": 0}, "passages must be at least 1, got 0"),
    ],
)
def test_aggregation_settings_are_checked(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AggregationConfig(**settings)  # type: ignore[arg-type]


def test_merge_needs_an_answer() -> None:
    with pytest.raises(ValueError, match="merge needs at least one answer"):
        merge("Why?", [], 3)


def test_merging_nothing_found_keeps_the_refusal() -> None:
    refusal = Answer("q", "The documents don't say.", False, 0.2)
    merged = merge("Compare?", [refusal, refusal], 3)
    assert not merged.found
    assert merged.question == "Compare?"


def test_a_merged_answer_carries_no_short_answer_in_its_sources() -> None:
    text = "Xi met Putin in 2001. Putin visited Beijing in May."
    first = Source(1, "d", "Talks", text, 0, len(text), 1.0, 0, 21, short_start=16, short_end=20)
    second = Source(1, "d", "Talks", text, 0, len(text), 1.0, 22, len(text))
    parts = [
        Answer("q1", "Xi met Putin in 2001. [1]", True, 0.9, [first], short="2001"),
        Answer("q2", "Putin visited Beijing in May. [1]", True, 0.8, [second]),
    ]

    merged = merge("Compare?", parts, 3)

    assert merged.found and merged.short is None
    assert [s.short_start for s in merged.sources] == [None, None]
    assert "2001" in merged.text and "May" in merged.text
