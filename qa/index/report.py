"""What became of each input given to indexing: indexed, skipped (and why) or failed.

Why a record of its own: duplicates used to be merged and redirect stubs dropped without a
word, so a user indexing a site could not tell what was left out. The report accounts for
every input exactly once, in the order given, and the API, `qa index` and the upload panel
all show this one object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["indexed", "skipped", "failed"]
STATUSES: tuple[Status, ...] = ("indexed", "skipped", "failed")


@dataclass(frozen=True)
class ReportEntry:
    """The outcome for one input.

    Attributes:
        input: the input as given: a path, or a short excerpt of a text ("text: Otters…").
        status: "indexed"; "skipped" (a duplicate, a redirect stub, empty, an unsupported
            format, a PDF without a text layer: nothing to index); or "failed" (an error).
        reason: why it was skipped ("duplicate of a.html", "redirect stub to /b",
            "empty", "unsupported format .pptx") or the error message; "" when indexed.
        passages: passages indexed from it (0 unless indexed).
        doc_id: the document's content id: its own when indexed, the one it duplicates
            when skipped as a duplicate, else None.
        warnings: things worth a look in an indexed document ("very little text (3 words)").
        detail: the full message of the error that refused it, which says what to do
            ("old.html is a redirect stub (it only points to /b); ..."); "" otherwise.
    """

    input: str
    status: Status
    reason: str = ""
    passages: int = 0
    doc_id: str | None = None
    warnings: tuple[str, ...] = ()
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                f"ReportEntry.status must be one of {', '.join(STATUSES)}, got {self.status!r}."
            )


@dataclass(frozen=True)
class IndexReport:
    """One entry per input, in the order the inputs were given.

    `len(indexed) + len(skipped) + len(failed) == len(entries)` always: every input is
    counted once.
    """

    entries: tuple[ReportEntry, ...]

    def _with(self, status: Status) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if e.status == status)

    @property
    def indexed(self) -> tuple[ReportEntry, ...]:
        return self._with("indexed")

    @property
    def skipped(self) -> tuple[ReportEntry, ...]:
        return self._with("skipped")

    @property
    def failed(self) -> tuple[ReportEntry, ...]:
        return self._with("failed")

    @property
    def passages(self) -> int:
        """Passages indexed, over all inputs."""
        return sum(e.passages for e in self.entries)

    @property
    def counts(self) -> dict[str, int]:
        """{"inputs", "indexed", "skipped", "failed", "passages", "warnings"}."""
        counts = {"inputs": len(self.entries)}
        counts.update({status: len(self._with(status)) for status in STATUSES})
        counts["passages"] = self.passages
        counts["warnings"] = sum(len(e.warnings) for e in self.entries)
        return counts

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: {"counts": {...}, "entries": [{...}, ...]}."""
        return {
            "counts": self.counts,
            "entries": [{**asdict(e), "warnings": list(e.warnings)} for e in self.entries],
        }

    def summary(self) -> str:
        """One line: "3 inputs: 2 indexed (14 passages), 1 skipped, 0 failed"."""
        c = self.counts
        return (
            f"{_count(c['inputs'], 'input')}: {c['indexed']} indexed "
            f"({_count(c['passages'], 'passage')}), {c['skipped']} skipped, {c['failed']} failed"
        )

    def table(self) -> str:
        """One line per input (status, passages, input, reason or warnings), then the totals."""
        lines = [f"{'status':<8} {'passages':>8}  input"]
        for e in self.entries:
            note = e.reason or "; ".join(e.warnings)
            passages = str(e.passages) if e.status == "indexed" else "-"
            lines.append(
                f"{e.status:<8} {passages:>8}  {e.input}" + (f"  ({note})" if note else "")
            )
        lines.append(self.summary())
        return "\n".join(lines)

    def problems(self) -> str:
        """Every input not indexed with its reason, "; "-separated (for error messages)."""
        return "; ".join(f"{e.input}: {e.reason}" for e in self.entries if e.status != "indexed")


def _count(number: int, noun: str) -> str:
    """A count as a person says it: "1 input", "2 inputs"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
