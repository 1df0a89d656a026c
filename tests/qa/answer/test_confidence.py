"""The confidence: evidence features of the best sentence and top passage, calibrated."""

from __future__ import annotations

from collections.abc import Callable

from qa import Assistant
from qa.answer.confidence import confidence, evidence_features
from qa.answer.config import AnsweringConfig
from qa.answer.evidence import Evidence
from qa.answer.logistic import linear, sigmoid
from qa.answer.sentences import score_sentences


def test_the_features_are_the_best_sentence_and_the_top_passage(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, "What did Putin say about external forces?")
    best, top = score_sentences(evidence)[0], evidence.candidates[0]

    features = evidence_features(best, top)

    base = (best.score, best.dense, best.coverage, top.dense_score, top.coverage, best.late)
    assert features == (base if best.reading is None else (*base, best.reading.logit))


def test_the_confidence_is_the_fitted_logistic_with_or_without_the_reader() -> None:
    config = AnsweringConfig()
    plain, read = (0.1,) * 6, (0.1,) * 7

    assert confidence(plain, config) == sigmoid(linear(config.calibration, plain))
    assert confidence(read, config, reader=True) == sigmoid(linear(config.reader_calibration, read))
    assert 0.0 < confidence(plain, config) < 1.0
