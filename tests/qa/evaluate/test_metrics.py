"""The figures of an evaluation: relevant ranks, nDCG, percentiles, a configuration's Metrics."""

from __future__ import annotations

import math

import pytest

from qa.evaluate.datasets import Example
from qa.evaluate.metrics import metrics_of, ndcg, percentile, relevant_ranks
from qa.evaluate.report import QuestionResult
from qa.types import Source


def source(number: int, text: str, doc_id: str = "owls") -> Source:
    return Source(
        number=number, doc_id=doc_id, title=doc_id, text=text, start=0, end=len(text), score=1.0
    )


def result(rank: int | None, *, correct: bool, answerable: bool = True) -> QuestionResult:
    return QuestionResult(
        id=f"q{rank}",
        question="?",
        answers=("mice",),
        first_relevant_rank=rank,
        relevant_ranks=(rank,) if rank else (),
        context_chars=10,
        answer_text="mice" if correct else "",
        found=correct,
        confidence=0.5,
        correct=correct,
        seconds=0.01,
        answerable=answerable,
    )


def test_a_passage_is_relevant_when_it_holds_the_answer_in_the_questions_document() -> None:
    example = Example("q", "What does the owl hunt?", ("mice",), document="owls")
    sources = [
        source(1, "Owls hunt mice.", doc_id="bees"),
        source(2, "Bees make honey."),
        source(3, "The barn owl hunts mice at night."),
    ]

    assert relevant_ranks(sources, example) == (3,)


def test_ndcg_is_one_when_the_relevant_passages_rank_first() -> None:
    assert ndcg((1, 2)) == 1.0
    assert ndcg(()) == 0.0
    assert ndcg((2,)) == pytest.approx(1 / math.log2(3))


def test_percentile_is_the_nearest_rank_value() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.95) == 4.0


def test_metrics_are_over_the_answerable_questions_and_declined_over_the_rest() -> None:
    metrics = metrics_of(
        [
            result(1, correct=True),
            result(None, correct=False),
            result(None, correct=False, answerable=False),
        ]
    )

    assert metrics.questions == 2 and metrics.unanswerable == 1
    assert metrics.hit[1] == 0.5 and metrics.mrr10 == 0.5
    assert metrics.answer_accuracy == 0.5 and metrics.false_refusal == 0.5
    assert metrics.declined == 1.0 and metrics.refusal is None
