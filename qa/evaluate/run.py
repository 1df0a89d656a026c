"""Retrieval and answer accuracy on labelled questions, asked through the public pipeline.

A passage is relevant when it comes from the question's document (if known) and contains
a gold answer after SQuAD normalisation, so labels survive any change of chunking. Each
answerable question is also asked with its own document removed, where the right reply is
`found=False`: that measures refusal without a separate set of unanswerable questions.
Questions the set marks unanswerable are asked once and scored on whether the reply was
declined (`found=False`); every other figure is over the answerable questions only.

With `by="kind"` (any field of the question records), each configuration's results are
also tallied per value of that field (tally.py). The figures are computed in metrics.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from qa.assistant import Assistant
from qa.evaluate.datasets import Dataset, DatasetError, Example
from qa.evaluate.matching import contains_answer, strip_citations
from qa.evaluate.metrics import metrics_of, relevant_ranks
from qa.evaluate.report import KS, ConfigReport, QuestionResult, Report
from qa.evaluate.short_answers import exact_match, token_f1
from qa.evaluate.tally import NO_VALUE, tally_groups
from qa.types import Answer


def _ask_one(
    assistant: Assistant, example: Example, by: str | None = None
) -> tuple[QuestionResult, Answer]:
    started = time.perf_counter()
    reply = assistant.ask(example.question, top_k=3)
    seconds = time.perf_counter() - started
    # An unanswerable question has no relevant passage to rank: only its reply is scored.
    sources = assistant.search(example.question, k=max(KS)) if example.answerable else []
    ranks = relevant_ranks(sources, example)
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
    return ConfigReport(name, metrics_of(ordered), ordered, groups)


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
