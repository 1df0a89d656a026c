"""How sure an answer is: the strength of its evidence, calibrated to a probability.

The confidence is a logistic model (`qa.answer.logistic`) over a few evidence features of
the chosen sentence and the top passage, fitted on questions asked with and without their
article (`benchmarks/calibrate.py`, Platt scaling: Platt, "Probabilistic outputs for support
vector machines", 1999). Below the fitted threshold the reply is "the documents don't say".
"""

from __future__ import annotations

from qa.answer.config import AnsweringConfig
from qa.answer.logistic import linear, sigmoid
from qa.answer.sentences import ScoredSentence
from qa.retrieve import Candidate


def evidence_features(best: ScoredSentence, top: Candidate) -> tuple[float, ...]:
    """(best sentence log-odds, its cosine, its coverage, top passage cosine, top passage
    best coverage, the best sentence's word-level match): how strong the evidence for the
    answer is, for the confidence; with the reader, its log-odds for that sentence too."""
    base = (best.score, best.dense, best.coverage, top.dense_score, top.coverage, best.late)
    return base if best.reading is None else (*base, best.reading.logit)


def confidence(features: tuple[float, ...], config: AnsweringConfig, reader: bool = False) -> float:
    """Calibrated probability that the chosen sentence answers the question."""
    return sigmoid(linear(config.calibration_weights(reader)[0], features))
