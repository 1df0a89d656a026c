"""Shares over groups of scored questions: gold in the top 3, answered right, declined.

`qa eval --by FIELD` (qa/evaluate/run.py) and the real-documents benchmark
(benchmarks/real_docs.py) both count with `Tally`, so a group's figures mean the same in
either report. Answerable and unanswerable questions are counted apart: the first are
scored on retrieval and answers, the second only on whether the reply was declined
(`Answer.found` is False: the assistant said the documents do not contain the answer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

NO_VALUE = "(none)"  # the group of questions whose record lacks the grouping field


class Scored(Protocol):
    """One question's outcome, as a tally reads it."""

    @property
    def answerable(self) -> bool: ...

    @property
    def found(self) -> bool: ...

    @property
    def gold_at_3(self) -> bool | None: ...

    @property
    def correct(self) -> bool | None: ...


ScoredT = TypeVar("ScoredT", bound=Scored)


def share(hits: int, total: int) -> float | None:
    """hits / total, or None when there is nothing to count."""
    return hits / total if total else None


@dataclass(frozen=True)
class Tally:
    """Shares over a group of questions (None: no question of that sort in the group).

    Attributes:
        answerable, unanswerable: how many questions of each sort the group holds.
        gold_at_3: of the answerable, the share with a gold answer in a top-3 passage of
            the question's own document.
        answered_right: of the answerable, the share found and quoting a gold answer.
        declined: of the unanswerable, the share whose reply was not found (declined).
    """

    answerable: int
    unanswerable: int
    gold_at_3: float | None
    answered_right: float | None
    declined: float | None

    @classmethod
    def of(cls, results: Iterable[Scored]) -> Tally:
        """The shares over `results`."""
        listed = list(results)
        answerable = [r for r in listed if r.answerable]
        unanswerable = [r for r in listed if not r.answerable]
        return cls(
            answerable=len(answerable),
            unanswerable=len(unanswerable),
            gold_at_3=share(sum(bool(r.gold_at_3) for r in answerable), len(answerable)),
            answered_right=share(sum(bool(r.correct) for r in answerable), len(answerable)),
            declined=share(sum(not r.found for r in unanswerable), len(unanswerable)),
        )


def tally_groups(results: Iterable[ScoredT], key: Callable[[ScoredT], str]) -> dict[str, Tally]:
    """One Tally per value of `key(result)`, in sorted order of the values."""
    groups: dict[str, list[ScoredT]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result)
    return {name: Tally.of(groups[name]) for name in sorted(groups)}


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def group_table(groups: Mapping[str, Tally], field: str) -> str:
    """A plain-text table, one row per group: counts, hit@3, answers right, declined."""
    width = max([len(field), *map(len, groups)]) + 2
    lines = [
        f"{field:<{width}}{'answerable':>11}{'hit@3':>7}{'ans.acc':>8}"
        f"{'unanswerable':>13}{'declined':>9}"
    ]
    for name, tally in groups.items():
        lines.append(
            f"{name:<{width}}{tally.answerable:>11}{_figure(tally.gold_at_3):>7}"
            f"{_figure(tally.answered_right):>8}{tally.unanswerable:>13}"
            f"{_figure(tally.declined):>9}"
        )
    return "\n".join(lines)
