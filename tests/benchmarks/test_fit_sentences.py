"""The sentence-model fit: a ranking that puts the answer sentence first, then scaled."""

from __future__ import annotations

import numpy as np

from benchmarks.fit_sentences import Question, fit_ranking, platt, top_accuracy


def _questions(count: int, seed: int = 0) -> list[Question]:
    """Five sentences per question; feature 0 marks the answer (noisily), feature 1 is noise."""
    rng = np.random.default_rng(seed)
    questions = []
    for number in range(count):
        labels = np.zeros(5)
        labels[rng.integers(5)] = 1.0
        features = np.column_stack([labels + 0.3 * rng.standard_normal(5), rng.standard_normal(5)])
        questions.append(Question(number, features, labels, paraphrase=False))
    return questions


def test_the_ranking_weighs_the_telling_feature_and_ignores_noise() -> None:
    questions = _questions(200)

    weights = fit_ranking(questions, steps=300)

    assert weights[0] > 5 * abs(weights[1])
    assert top_accuracy(_questions(200, seed=1), np.append(weights, 0.0)) > 0.9


def test_scaled_scores_are_probabilities_that_rise_with_the_score() -> None:
    questions = _questions(200)
    weights = fit_ranking(questions, steps=300)

    a, b = platt(questions, weights, steps=500)

    probabilities = 1 / (
        1 + np.exp(-(np.concatenate([q.features @ weights for q in questions]) * a + b))
    )
    labels = np.concatenate([q.labels for q in questions])
    assert a > 0
    assert abs(probabilities.mean() - labels.mean()) < 0.05  # calibrated on average
    assert probabilities[labels == 1].mean() > 0.5 > probabilities[labels == 0].mean()


def test_questions_without_an_answer_sentence_do_not_steer_the_fit() -> None:
    questions = _questions(100)
    unanswerable = [Question(0, q.features, np.zeros(5), False) for q in _questions(100, seed=2)]

    alone = fit_ranking(questions, steps=200)
    mixed = fit_ranking(questions + unanswerable, steps=200)

    assert np.allclose(alone, mixed)
