"""The logistic model both the sentence scores and the confidence are: one formula each.

A linear score over features, read as log-odds, and the logistic function turning it into a
probability (Cox, "The regression analysis of binary sequences", 1958). The weights are
fitted by `benchmarks/fit_sentences.py` and `benchmarks/calibrate.py`.
"""

from __future__ import annotations

import math


def linear(model: tuple[float, ...], features: tuple[float, ...]) -> float:
    """The log-odds `intercept + sum(w * f)`; `model` is the weights then the intercept."""
    *weights, intercept = model
    return intercept + sum(w * f for w, f in zip(weights, features, strict=True))


def sigmoid(z: float) -> float:
    """The probability of log-odds `z`, clipped to +-50 so that `exp` cannot overflow."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
