"""Short-answer scores follow SQuAD v1.1's script: normalised exact match and token F1."""

from __future__ import annotations

import pytest

from qa.evaluate.short_answers import exact_match, squad_normalize, token_f1


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("The Treaty of Nice", "treaty of nice"),
        ("1,190", "1190"),
        ("  an   apple, a pear!", "apple pear"),
        ("Theatre", "theatre"),  # "the" only as a word
    ],
)
def test_normalisation_is_squads(text: str, normal: str) -> None:
    assert squad_normalize(text) == normal


def test_exact_match_is_the_best_over_the_gold_answers() -> None:
    assert exact_match("the 2001", ["in 2001", "2001"]) == 1.0
    assert exact_match("2001.", ["2002"]) == 0.0
    assert exact_match(None, ["2001"]) == 0.0


def test_token_f1_rewards_overlap() -> None:
    assert token_f1("one queen and many", ["one queen"]) == pytest.approx(2 / 3)
    assert token_f1("Treaty of Nice", ["the treaty of Nice", "Nice"]) == 1.0
    assert token_f1("Paris", ["London"]) == 0.0
    assert token_f1(None, ["London"]) == 0.0
