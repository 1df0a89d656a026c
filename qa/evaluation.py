"""Retrieval and answer accuracy on labelled questions, through the public pipeline.

A passage is relevant when it comes from the question's document (if known) and contains
a gold answer after SQuAD normalisation, so labels survive any change of chunking. Each
answerable question is also asked with its own document removed, where the right reply is
`found=False`: that measures refusal without a separate set of unanswerable questions.
Questions the set marks unanswerable are asked once and scored on whether the reply was
declined (`found=False`); every other figure is over the answerable questions only.

With `by="kind"` (any field of the question records), each configuration's results are
also tallied per value of that field (qa/tally.py).
"""

from __future__ import annotations

import math
import re
import statistics
import string
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from qa.assistant import Assistant
from qa.datasets import Dataset, DatasetError, Example
from qa.evaluation_report import (
    KS,
    ConfigReport,
    Metrics,
    QuestionResult,
    Report,
    check,
    hits_at_k,
)
from qa.short_scores import exact_match, token_f1
from qa.tally import NO_VALUE, Tally, tally_groups
from qa.types import Answer, Source

__all__ = [
    "KS",
    "ConfigReport",
    "Metrics",
    "QuestionResult",
    "Report",
    "check",
    "contains_answer",
    "evaluate",
    "evaluate_config",
    "normalize_answer",
    "strip_citations",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CITATION = re.compile(r"\s*\[\d+\]")
_PUNCTUATION = set(string.punctuation) | set("‘’“”—–…«»")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation (lower case, no punctuation, no articles, single spaces).

    One deviation: punctuation becomes a space instead of vanishing, so that containment
    respects word edges ("Six-time" contains "six", "Tyndale's" contains "Tyndale").
    """
    text = "".join(" " if ch in _PUNCTUATION else ch for ch in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether `text` contains any gold answer, both normalised."""
    haystack = f" {normalize_answer(text)} "
    return any(normal and f" {normal} " in haystack for normal in map(normalize_answer, answers))


def strip_citations(text: str) -> str:
    """Answer text without its "[n]" markers (so "[1]" never matches a gold "1")."""
    return _CITATION.sub("", text).strip()


def _relevant(source: Source, example: Example) -> bool:
    if example.document is not None and source.doc_id != example.document:
        return False
    return contains_answer(source.text, example.answers)


def _ranks(sources: Sequence[Source], example: Example) -> tuple[int, ...]:
    return tuple(s.number for s in sources if _relevant(s, example))


def _ndcg(ranks: tuple[int, ...]) -> float:
    if not ranks:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank in ranks)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(len(ranks)))
    return dcg / ideal


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ask_one(
    assistant: Assistant, example: Example, by: str | None = None
) -> tuple[QuestionResult, Answer]:
    started = time.perf_counter()
    reply = assistant.ask(example.question, top_k=3)
    seconds = time.perf_counter() - started
    # An unanswerable question has no relevant passage to rank: only its reply is scored.
    sources = assistant.search(example.question, k=max(KS)) if example.answerable else []
    ranks = _ranks(sources, example)
    text = strip_citations(reply.text) if reply.found else ""
    result = QuestionResult(
        id=example.id,
        question=example.question,
        answers=example.answers,
        first_relevant_rank=ranks[0] if ranks else None,
        relevant_ranks=ranks,
        context_chars=len(sources[0].text) if sources else 0,
        answer_text=text,
        found=reply.found,
        confidence=reply.confidence,
        correct=reply.found and contains_answer(text, example.answers),
        seconds=seconds,
        answerable=example.answerable,
        group=(example.value(by) or NO_VALUE) if by is not None else None,
        short=reply.short,
        short_em=exact_match(reply.short, example.answers),
        short_f1=token_f1(reply.short, example.answers),
    )
    return result, reply


def evaluate_config(
    assistant: Assistant,
    dataset: Dataset,
    *,
    name: str = "default",
    refusal: bool = True,
    by: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ConfigReport:
    """Ask every question; with `refusal`, each answerable one again with its document
    removed; with `by`, tally the results per value of that field of the questions."""
    examples = [e for e in dataset.examples if e.answerable]
    unanswerable = [e for e in dataset.examples if not e.answerable]
    total = len(examples) * (2 if refusal else 1) + len(unanswerable)
    done = 0
    results: dict[str, QuestionResult] = {}
    for example in [*examples, *unanswerable]:
        results[example.id], _ = _ask_one(assistant, example, by)
        done += 1
        if progress:
            progress(done, total)
    if refusal:
        by_document: dict[str, list[Example]] = {}
        for example in examples:
            if example.document is not None and example.document in assistant.collection:
                by_document.setdefault(example.document, []).append(example)
        for doc_id, group in by_document.items():
            without = assistant.fork()
            without.remove_document(doc_id)
            for example in group:
                reply = without.ask(example.question, top_k=3)
                results[example.id] = replace(
                    results[example.id],
                    refused_without_document=not reply.found,
                    confidence_without_document=reply.confidence,
                )
                done += 1
                if progress:
                    progress(done, total)
    ordered = [results[e.id] for e in dataset.examples]
    groups = tally_groups(ordered, lambda r: r.group or NO_VALUE) if by is not None else {}
    return ConfigReport(name, _metrics(ordered), ordered, groups)


def _metrics(scored: list[QuestionResult]) -> Metrics:
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
        ndcg10=sum(_ndcg(r.relevant_ranks) for r in results) / n,
        context_chars=statistics.fmean(r.context_chars for r in results) if results else 0.0,
        answer_accuracy=sum(1 for r in results if r.correct) / n,
        answer_chars=statistics.fmean(len(r.answer_text) for r in found) if found else 0.0,
        false_refusal=sum(1 for r in results if not r.found) / n,
        refusal=sum(refusals) / len(refusals) if refusals else None,
        latency_p50_ms=_percentile(latencies, 0.5),
        latency_p95_ms=_percentile(latencies, 0.95),
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


def evaluate(
    assistant: Assistant,
    dataset: Dataset,
    *,
    configs: dict[str, Any] | None = None,
    refusal: bool = True,
    by: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Evaluate one or several configurations of the pipeline on a dataset, in one run.

    Args:
        assistant: holds the model and settings; the dataset's documents are added to it
            (those already present are not embedded again).
        dataset: from `load_dataset`.
        configs: name -> Settings; default: just the assistant's own settings ("default").
        refusal: also ask each answerable question with its document removed.
        by: a field of the question records ("kind") to tally each configuration's
            results by; questions without it form the group "(none)".
        progress: called with (config name, done, total) after each question.

    Returns:
        A Report with one row per configuration (and, with `by`, its groups).

    Raises:
        DatasetError: no question of the set has the field `by`.
    """
    if by is not None:
        _check_field(dataset, by)
    assistant.add_documents(dataset.documents)
    configs = configs or {"default": assistant.settings}
    reports = []
    for name, settings in configs.items():
        variant = assistant.with_settings(settings)

        def tick(done: int, total: int, _name: str = name) -> None:
            if progress:
                progress(_name, done, total)

        reports.append(
            evaluate_config(variant, dataset, name=name, refusal=refusal, by=by, progress=tick)
        )
    return Report(dataset.name, reports, by)


def _check_field(dataset: Dataset, by: str) -> None:
    """Fail before any question is asked when no question has the field to group by."""
    if any(e.value(by) is not None for e in dataset.examples):
        return
    fields = sorted({name for e in dataset.examples for name, _ in e.fields})
    have = f"its questions have {', '.join(fields)}" if fields else "its questions have none"
    raise DatasetError(
        f"Cannot group {dataset.name} by {by!r}: no question has that field; {have}."
    )
