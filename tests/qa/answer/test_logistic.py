"""The logistic model: a linear log-odds and its probability, clipped so it cannot overflow."""

from __future__ import annotations

import math

import pytest

from qa.answer.logistic import linear, sigmoid


def test_linear_is_the_weighted_sum_plus_the_intercept() -> None:
    assert linear((2.0, -1.0, 0.5), (3.0, 4.0)) == pytest.approx(2.0 * 3.0 - 4.0 + 0.5)


def test_linear_refuses_features_of_another_length() -> None:
    with pytest.raises(ValueError):
        linear((1.0, 2.0, 0.0), (1.0,))


def test_sigmoid_is_one_half_at_zero_and_symmetric() -> None:
    assert sigmoid(0.0) == 0.5
    assert sigmoid(1.3) == pytest.approx(1.0 - sigmoid(-1.3))


def test_sigmoid_of_huge_log_odds_is_clipped_not_an_overflow() -> None:
    assert sigmoid(1e6) == pytest.approx(1.0 / (1.0 + math.exp(-50.0)))
    assert 0.0 < sigmoid(-1e6) == pytest.approx(1.0 / (1.0 + math.exp(50.0)))
