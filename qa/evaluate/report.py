"""The figures of an evaluation run (run.py): per-question results, each
configuration's metrics and groups, and the report's table, failure list, JSON and plot.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.evaluate.tally import NO_VALUE, Tally, group_table

KS = (1, 3, 5, 10)


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
    answerable: bool = True
    group: str | None = None  # the question's value of the report's `by` field
    short: str | None = None  # the short answer given (issue 15)
    short_em: float = 0.0  # its exact match against the gold answers (SQuAD's; None: 0)
    short_f1: float = 0.0  # its token F1 against them

    @property
    def gold_at_3(self) -> bool | None:
        """A relevant passage in the top 3 (hit@3); None for an unanswerable question."""
        if not self.answerable:
            return None
        return self.first_relevant_rank is not None and self.first_relevant_rank <= 3


@dataclass(frozen=True)
class Metrics:
    """Aggregate figures of one configuration on one dataset.

    `questions` counts the answerable questions, over which every figure but `declined`
    is taken; `declined` is the share of the `unanswerable` ones whose reply was not found
    (None when the set has none).

    Short answers (SQuAD's exact match and token F1, a question without one scoring 0):
    `short_em`/`short_f1` over all answerable questions, `short_em_answered`/
    `short_f1_answered` over those answered (found); `short_given` is the share of
    answerable questions given one, `short_given_right` the share of right answers given one.
    """

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
    unanswerable: int = 0
    declined: float | None = None
    short_given: float = 0.0
    short_given_right: float = 0.0
    short_em: float = 0.0
    short_f1: float = 0.0
    short_em_answered: float = 0.0
    short_f1_answered: float = 0.0


@dataclass(frozen=True)
class ConfigReport:
    """One configuration's figures, its per-question results, and (with `by`) its groups."""

    name: str
    metrics: Metrics
    results: list[QuestionResult] = field(default_factory=list)
    groups: dict[str, Tally] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """All configurations evaluated on one dataset in one run (grouped by `by`, if set)."""

    dataset: str
    configs: list[ConfigReport]
    by: str | None = None

    def __getitem__(self, name: str) -> Metrics:
        for config in self.configs:
            if config.name == name:
                return config.metrics
        raise KeyError(f"No configuration {name!r}; have {[c.name for c in self.configs]}.")

    def table(self) -> str:
        """A plain-text table, one row per configuration; with `by`, a table per group after."""
        header = (
            f"{'config':<14}{'hit@1':>7}{'hit@3':>7}{'hit@5':>7}{'hit@10':>7}{'MRR@10':>8}"
            f"{'nDCG@10':>8}{'ctx':>6}{'ans.acc':>8}{'ans.len':>8}{'refusal':>8}"
            f"{'false.ref':>10}{'declined':>9}{'p50 ms':>8}{'p95 ms':>8}"
        )
        first = self.configs[0].metrics
        counts = f"{first.questions} answerable questions"
        if first.unanswerable:
            counts += f", {first.unanswerable} unanswerable"
        lines = [f"{self.dataset}: {counts}", header]
        for config in self.configs:
            m = config.metrics
            refusal = f"{m.refusal:.3f}" if m.refusal is not None else "-"
            declined = f"{m.declined:.3f}" if m.declined is not None else "-"
            lines.append(
                f"{config.name:<14}{m.hit[1]:>7.3f}{m.hit[3]:>7.3f}{m.hit[5]:>7.3f}"
                f"{m.hit[10]:>7.3f}{m.mrr10:>8.3f}{m.ndcg10:>8.3f}{m.context_chars:>6.0f}"
                f"{m.answer_accuracy:>8.3f}{m.answer_chars:>8.0f}{refusal:>8}"
                f"{m.false_refusal:>10.3f}{declined:>9}{m.latency_p50_ms:>8.1f}"
                f"{m.latency_p95_ms:>8.1f}"
            )
        lines += ["", "Short answers (EM / token F1; none given scores 0):"]
        for config in self.configs:
            lines.append(f"{config.name:<14}{short_line(config.metrics)}")
        if self.by is not None:
            for config in self.configs:
                lines += ["", f"By {self.by} ({config.name}):", group_table(config.groups, self.by)]
        return "\n".join(lines)

    def failures(self, count: int, config: str | None = None) -> str:
        """The worst misses: wrong answers whose relevant passage ranked lowest first."""
        chosen = (
            self.configs[0] if config is None else next(c for c in self.configs if c.name == config)
        )
        misses = [r for r in chosen.results if r.answerable and not r.correct]
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
        """Hit@k curves, one line per configuration (matplotlib, no display needed).

        With `by`, a second panel has one curve per group, for the first configuration.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        panels = 2 if self.by is not None else 1
        figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
        curves = {config.name: config.metrics.hit for config in self.configs}
        _hit_panel(axes[0][0], curves, f"Retrieval on {self.dataset}")
        if self.by is not None:
            first = self.configs[0]
            answerable = [r for r in first.results if r.answerable]
            groups = sorted({r.group or NO_VALUE for r in answerable})
            by_group = {
                group: hits_at_k([r for r in answerable if (r.group or NO_VALUE) == group])
                for group in groups
            }
            _hit_panel(axes[0][1], by_group, f"By {self.by} ({first.name})")
        figure.tight_layout()
        figure.savefig(path, dpi=120)
        plt.close(figure)


def _hit_panel(axes: Any, curves: dict[str, dict[int, float]], title: str) -> None:
    for label, hit in curves.items():
        ks = sorted(hit)
        axes.plot(ks, [hit[k] for k in ks], marker="o", label=label)
    axes.set_xlabel("k (passages returned)")
    axes.set_ylabel("hit@k (a relevant passage in the top k)")
    axes.set_title(title)
    axes.set_xticks(list(KS))
    axes.grid(alpha=0.3)
    axes.legend()


def short_line(m: Metrics) -> str:
    """The short-answer figures of one configuration, as one line of the table."""
    return (
        f"given {m.short_given:.3f} (on right answers {m.short_given_right:.3f}); "
        f"all {m.short_em:.3f} / {m.short_f1:.3f}; "
        f"answered {m.short_em_answered:.3f} / {m.short_f1_answered:.3f}"
    )


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


def hits_at_k(results: list[QuestionResult]) -> dict[int, float]:
    """hit@k for each k in KS: the share of `results` with a relevant passage in the top k."""
    n = max(1, len(results))
    return {
        k: sum(1 for r in results if r.first_relevant_rank and r.first_relevant_rank <= k) / n
        for k in KS
    }
