"""Retrieval and answer accuracy on labelled questions, through the public pipeline.

A passage is relevant when it comes from the question's document (if known) and contains
a gold answer after SQuAD normalisation, so labels survive any change of chunking. Each
question is also asked with its own document removed, where the right reply is
`found=False`: that measures refusal without a separate set of unanswerable questions.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import string
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.api import Assistant
from qa.datasets import Dataset, Example
from qa.types import Answer, Source

KS = (1, 3, 5, 10)
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


@dataclass(frozen=True)
class QuestionResult:
    """What happened to one question (normal run, and with its document removed)."""

    id: str
    question: str
    answers: tuple[str, ...]
    first_relevant_rank: int | None  # 1-based rank of the first relevant passage in top 10
    relevant_ranks: tuple[int, ...]
    context_chars: int  # length of the first passage
    answer_text: str
    found: bool
    confidence: float
    correct: bool
    seconds: float
    refused_without_document: bool | None = None
    confidence_without_document: float | None = None


@dataclass(frozen=True)
class Metrics:
    """Aggregate figures of one configuration on one dataset."""

    questions: int
    hit: dict[int, float]
    mrr10: float
    ndcg10: float
    context_chars: float
    answer_accuracy: float
    answer_chars: float
    false_refusal: float
    refusal: float | None
    latency_p50_ms: float
    latency_p95_ms: float


@dataclass(frozen=True)
class ConfigReport:
    name: str
    metrics: Metrics
    results: list[QuestionResult] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    """All configurations evaluated on one dataset in one run."""

    dataset: str
    configs: list[ConfigReport]

    def __getitem__(self, name: str) -> Metrics:
        for config in self.configs:
            if config.name == name:
                return config.metrics
        raise KeyError(f"No configuration {name!r}; have {[c.name for c in self.configs]}.")

    def table(self) -> str:
        """A plain-text table, one row per configuration."""
        header = (
            f"{'config':<14}{'hit@1':>7}{'hit@3':>7}{'hit@5':>7}{'hit@10':>7}{'MRR@10':>8}"
            f"{'nDCG@10':>8}{'ctx':>6}{'ans.acc':>8}{'ans.len':>8}{'refusal':>8}"
            f"{'false.ref':>10}{'p50 ms':>8}{'p95 ms':>8}"
        )
        lines = [f"{self.dataset}: {self.configs[0].metrics.questions} questions", header]
        for config in self.configs:
            m = config.metrics
            refusal = f"{m.refusal:.3f}" if m.refusal is not None else "-"
            lines.append(
                f"{config.name:<14}{m.hit[1]:>7.3f}{m.hit[3]:>7.3f}{m.hit[5]:>7.3f}"
                f"{m.hit[10]:>7.3f}{m.mrr10:>8.3f}{m.ndcg10:>8.3f}{m.context_chars:>6.0f}"
                f"{m.answer_accuracy:>8.3f}{m.answer_chars:>8.0f}{refusal:>8}"
                f"{m.false_refusal:>10.3f}{m.latency_p50_ms:>8.1f}{m.latency_p95_ms:>8.1f}"
            )
        return "\n".join(lines)

    def failures(self, count: int, config: str | None = None) -> str:
        """The worst misses: wrong answers whose relevant passage ranked lowest first."""
        chosen = (
            self.configs[0] if config is None else next(c for c in self.configs if c.name == config)
        )
        misses = [r for r in chosen.results if not r.correct]
        misses.sort(
            key=lambda r: (r.first_relevant_rank is not None, -(r.first_relevant_rank or 0))
        )
        out = []
        for result in misses[:count]:
            out.append(
                f"- {result.question}\n    gold: {' | '.join(result.answers)}\n"
                f"    got ({'found' if result.found else 'not found'}, rank of relevant "
                f"passage {result.first_relevant_rank}): {result.answer_text[:240]}"
            )
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8"
        )

    def plot(self, path: str | Path) -> None:
        """Hit@k curves, one line per configuration (matplotlib, no display needed)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(6, 4))
        for config in self.configs:
            ks = sorted(config.metrics.hit)
            axes.plot(ks, [config.metrics.hit[k] for k in ks], marker="o", label=config.name)
        axes.set_xlabel("k (passages returned)")
        axes.set_ylabel("hit@k (a relevant passage in the top k)")
        axes.set_title(f"Retrieval on {self.dataset}")
        axes.set_xticks(list(KS))
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=120)
        plt.close(figure)


def check(metrics: Metrics, **minimums: float) -> None:
    """Assert thresholds in one line: `check(report["hybrid"], hit_1=0.95, answer_accuracy=0.9)`.

    Names are Metrics fields, with `hit_K` for hit@K; a name ending in `_max` is an upper
    bound (`false_refusal_max=0.03`). Raises AssertionError listing every figure missed.
    """
    missed = []
    for name, bound in minimums.items():
        upper = name.endswith("_max")
        key = name.removesuffix("_max")
        value = metrics.hit[int(key[4:])] if key.startswith("hit_") else getattr(metrics, key)
        if value is None or (value > bound if upper else value < bound):
            missed.append(f"{key} = {value} ({'above' if upper else 'below'} {bound})")
    if missed:
        raise AssertionError("Evaluation below its bar: " + "; ".join(missed))


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


def _ask_one(assistant: Assistant, example: Example) -> tuple[QuestionResult, Answer]:
    started = time.perf_counter()
    reply = assistant.ask(example.question, top_k=3)
    seconds = time.perf_counter() - started
    sources = assistant.search(example.question, k=max(KS))
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
    )
    return result, reply


def evaluate_config(
    assistant: Assistant,
    dataset: Dataset,
    *,
    name: str = "default",
    refusal: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ConfigReport:
    """Ask every answerable question; with `refusal`, again with its document removed."""
    examples = [e for e in dataset.examples if e.answerable]
    total = len(examples) * (2 if refusal else 1)
    done = 0
    results: dict[str, QuestionResult] = {}
    for example in examples:
        results[example.id], _ = _ask_one(assistant, example)
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
    ordered = [results[e.id] for e in examples]
    return ConfigReport(name, _metrics(ordered), ordered)


def _metrics(results: list[QuestionResult]) -> Metrics:
    n = max(1, len(results))
    hit = {
        k: sum(1 for r in results if r.first_relevant_rank and r.first_relevant_rank <= k) / n
        for k in KS
    }
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
    )


def evaluate(
    assistant: Assistant,
    dataset: Dataset,
    *,
    configs: dict[str, Any] | None = None,
    refusal: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Evaluate one or several configurations of the pipeline on a dataset, in one run.

    Args:
        assistant: holds the model and settings; the dataset's documents are added to it
            (those already present are not embedded again).
        dataset: from `load_dataset`.
        configs: name -> Settings; default: just the assistant's own settings ("default").
        refusal: also ask each question with its document removed.
        progress: called with (config name, done, total) after each question.

    Returns:
        A Report with one row per configuration.
    """
    assistant.add_documents(dataset.documents)
    configs = configs or {"default": assistant.settings}
    reports = []
    for name, settings in configs.items():
        variant = assistant.with_settings(settings)

        def tick(done: int, total: int, _name: str = name) -> None:
            if progress:
                progress(_name, done, total)

        reports.append(evaluate_config(variant, dataset, name=name, refusal=refusal, progress=tick))
    return Report(dataset.name, reports)
