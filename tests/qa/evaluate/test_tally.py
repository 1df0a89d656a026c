"""Tallies: shares per group of scored questions, answerable and unanswerable apart."""

from __future__ import annotations

from dataclasses import dataclass

from qa.evaluate.tally import Tally, group_table, share, tally_groups


@dataclass(frozen=True)
class Scored:
    answerable: bool
    found: bool
    gold_at_3: bool | None
    correct: bool | None
    kind: str = "prose"


def test_a_group_table_shows_a_dash_where_a_group_has_no_question_of_a_sort() -> None:
    table = group_table({"code": Tally(2, 0, 0.5, 0.5, None)}, "kind")

    assert table.splitlines()[1].split() == ["code", "2", "0.500", "0.500", "0", "-"]


def test_answerable_and_unanswerable_questions_are_counted_apart() -> None:
    tally = Tally.of(
        [
            Scored(answerable=True, found=True, gold_at_3=True, correct=True),
            Scored(answerable=True, found=False, gold_at_3=False, correct=False),
            Scored(answerable=False, found=False, gold_at_3=None, correct=None),
        ]
    )

    assert tally == Tally(2, 1, 0.5, 0.5, 1.0)


def test_groups_come_in_sorted_order_of_their_names() -> None:
    results = [
        Scored(True, True, True, True, kind="table"),
        Scored(True, False, False, False, kind="code"),
    ]

    groups = tally_groups(results, lambda r: r.kind)

    assert list(groups) == ["code", "table"]
    assert groups["table"].answered_right == 1.0


def test_a_share_of_nothing_is_none() -> None:
    assert share(0, 0) is None
    assert share(1, 4) == 0.25
