"""The figures of an evaluation: where the relevant passages rank, and each configuration's
Metrics over its questions' results.

A passage is relevant when it comes from the question's document (if known) and contains
a gold answer (`contains_answer`). Every figure but `declined` is over the answerable
questions; `declined` is over the unanswerable ones (see `Metrics`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from qa.evaluate.datasets import Example
from qa.evaluate.matching import contains_answer
from qa.evaluate.report import Metrics, QuestionResult, hits_at_k
from qa.evaluate.tally import Tally
from qa.types import Source


def _relevant(source: Source, example: Example) -> bool:
    if example.document is not None and source.doc_id != example.document:
        return False
    return contains_answer(source.text, example.answers)


def relevant_ranks(sources: Sequence[Source], example: Example) -> tuple[int, ...]:
    """The 1-based ranks of the passages among `sources` relevant to `example`."""
    return tuple(s.number for s in sources if _relevant(s, example))


def ndcg(ranks: tuple[int, ...]) -> float:
    """nDCG with binary relevance (Järvelin & Kekäläinen 2002): the discounted gain of the
    relevant `ranks` over that of the same number of relevant passages ranked first."""
    if not ranks:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank in ranks)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(len(ranks)))
    return dcg / ideal


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank); 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def metrics_of(scored: list[QuestionResult]) -> Metrics:
    """One configuration's figures over its questions' results (see `Metrics`)."""
    results = [r for r in scored if r.answerable]
    tally = Tally.of(scored)
    n = max(1, len(results))
    hit = hits_at_k(results)
    refusals = [
        r.refused_without_document for r in results if r.refused_without_document is not None
    ]
    found = [r for r in results if r.found]
    latencies = [r.seconds * 1000 for r in results]
    return Metrics(
        questions=len(results),
        hit=hit,
        mrr10=sum(1.0 / r.first_relevant_rank for r in results if r.first_relevant_rank) / n,
        ndcg10=sum(ndcg(r.relevant_ranks) for r in results) / n,
        context_chars=statistics.fmean(r.context_chars for r in results) if results else 0.0,
        answer_accuracy=sum(1 for r in results if r.correct) / n,
        answer_chars=statistics.fmean(len(r.answer_text) for r in found) if found else 0.0,
        false_refusal=sum(1 for r in results if not r.found) / n,
        refusal=sum(refusals) / len(refusals) if refusals else None,
        latency_p50_ms=percentile(latencies, 0.5),
        latency_p95_ms=percentile(latencies, 0.95),
        unanswerable=tally.unanswerable,
        declined=tally.declined,
        **_short_metrics(results),
    )


def _short_metrics(results: list[QuestionResult]) -> dict[str, float]:
    """Short-answer EM and F1 over all answerable questions and over those answered, and
    how often one is given (see Metrics)."""
    n = max(1, len(results))
    answered = [r for r in results if r.found]
    right = [r for r in results if r.correct]
    return {
        "short_given": sum(r.short is not None for r in results) / n,
        "short_given_right": sum(r.short is not None for r in right) / max(1, len(right)),
        "short_em": sum(r.short_em for r in results) / n,
        "short_f1": sum(r.short_f1 for r in results) / n,
        "short_em_answered": sum(r.short_em for r in answered) / max(1, len(answered)),
        "short_f1_answered": sum(r.short_f1 for r in answered) / max(1, len(answered)),
    }
