"""The report of a run: a configuration's figures by name, and `check` for thresholds."""

from __future__ import annotations

import pytest

from qa.evaluate.report import ConfigReport, Metrics, QuestionResult, Report, check, hits_at_k


def metrics() -> Metrics:
    return Metrics(
        questions=10,
        hit={1: 0.9, 3: 0.95, 5: 1.0, 10: 1.0},
        mrr10=0.9,
        ndcg10=0.9,
        context_chars=500.0,
        answer_accuracy=0.8,
        answer_chars=120.0,
        false_refusal=0.02,
        refusal=0.7,
        latency_p50_ms=10.0,
        latency_p95_ms=20.0,
    )


def test_a_configuration_is_found_by_name_and_an_unknown_one_is_named() -> None:
    report = Report("set", [ConfigReport("hybrid", metrics())])

    assert report["hybrid"].answer_accuracy == 0.8
    with pytest.raises(KeyError, match=r"No configuration 'dense'; have \['hybrid'\]"):
        report["dense"]


def test_check_passes_when_every_figure_meets_its_bar() -> None:
    check(metrics(), hit_1=0.9, answer_accuracy=0.8, false_refusal_max=0.03)


def test_check_lists_every_figure_missed() -> None:
    with pytest.raises(AssertionError, match=r"hit_1 = 0.9 \(below 0.95\); false_refusal"):
        check(metrics(), hit_1=0.95, false_refusal_max=0.01)


def test_hits_at_k_is_the_share_with_a_relevant_passage_in_the_top_k() -> None:
    def result(rank: int | None) -> QuestionResult:
        return QuestionResult("q", "?", ("a",), rank, (), 0, "", False, 0.0, False, 0.0)

    hit = hits_at_k([result(1), result(4), result(None), result(10)])

    assert hit == {1: 0.25, 3: 0.25, 5: 0.5, 10: 0.75}
