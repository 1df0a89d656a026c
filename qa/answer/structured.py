"""Quote structure whole: when a list, a code block or a table row is what answers, the
quote takes in what it needs to be read (lead-in plus items, caption plus code, header
plus row), by exact offsets, within the passage shown as its source.

Why: the answer stage picks sentences, and in a documentation page the sentence that
matches a question is often the lead-in ("To deploy, run:") while the answer is the
command after it, or the command while the sentence that says what it does is the one
before. Either half alone does not answer.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.block_chunking import LEAD_IN_CHARS
from qa.types import Block, Document


def structured_range(
    document: Document, bounds: tuple[int, int], quote: tuple[int, int], limit: int
) -> tuple[int, int]:
    """The quote (document offsets) widened to whole structure, inside `bounds` (the
    passage) and never past `limit` characters; unchanged for a plain-text document."""
    if not document.blocks:
        return quote
    low, high = bounds
    start, end = quote
    leaves = [b for b in document.blocks if b.kind not in ("list", "table", "quote")]
    containers = [b for b in document.blocks if b.kind in ("list", "table")]

    def fits(a: int, b: int) -> bool:
        return low <= a and b <= high and b - a <= limit

    after = _first_leaf_at_or_after(leaves, end)
    before = _last_leaf_before(leaves, start)
    text = document.text
    # A lead-in: the quote ends a short paragraph ending in ":"; take what it introduces.
    ending = _leaf_ending_at(leaves, end)
    if (
        ending is not None
        and ending.kind == "paragraph"
        and text[ending.start : end].rstrip().endswith(":")
    ) and after is not None:
        box = _container_of(containers, after)
        target = box.end if box is not None else after.end
        if after.kind in ("code", "table_row", "list_item") or box is not None:
            end = _widest(end, target, start, fits, _leaf_ends(leaves, end, target))
    # Code: take the caption or lead-in right before it.
    starting = _leaf_starting_at(leaves, start)
    introduced = before is not None and (
        before.kind == "caption"
        or (before.kind == "paragraph" and before.end - before.start <= LEAD_IN_CHARS)
    )
    if starting is not None and starting.kind == "code" and before is not None and introduced:
        start = before.start if fits(before.start, end) else start
    # A table row: take the header row (and the rows between) when it fits.
    row = _leaf_containing(leaves, start)
    if row is not None and row.kind == "table_row" and not row.header:
        box = _container_of(containers, row)
        header = next(
            (b for b in leaves if box and box.start <= b.start < row.start and b.header), None
        )
        if header is not None and fits(header.start, end):
            start = header.start
    # A list item: take the list's lead-in (and the items before) when it fits.
    item = _leaf_containing(leaves, start)
    if item is not None and item.kind == "list_item":
        box = _container_of(containers, item)
        lead = _last_leaf_before(leaves, box.start) if box is not None else None
        if (
            lead is not None
            and lead.kind == "paragraph"
            and text[lead.start : lead.end].rstrip().endswith(":")
            and fits(lead.start, end)
        ):
            start = lead.start
    return start, end


def _widest(
    end: int, target: int, start: int, fits: Callable[[int, int], bool], stops: list[int]
) -> int:
    """The furthest whole-block end up to `target` that keeps the quote within bounds."""
    best = end
    for stop in stops:
        if stop <= target and fits(start, stop):
            best = max(best, stop)
    return best


def _leaf_ends(leaves: list[Block], low: int, high: int) -> list[int]:
    return [b.end for b in leaves if low < b.end <= high]


def _first_leaf_at_or_after(leaves: list[Block], offset: int) -> Block | None:
    return next((b for b in leaves if b.start >= offset), None)


def _last_leaf_before(leaves: list[Block], offset: int) -> Block | None:
    found = None
    for block in leaves:
        if block.end <= offset:
            found = block
        elif block.start >= offset:
            break
    return found


def _leaf_ending_at(leaves: list[Block], offset: int) -> Block | None:
    return next((b for b in leaves if b.start < offset <= b.end and b.end == offset), None)


def _leaf_starting_at(leaves: list[Block], offset: int) -> Block | None:
    return next((b for b in leaves if b.start == offset), None)


def _leaf_containing(leaves: list[Block], offset: int) -> Block | None:
    inner = [b for b in leaves if b.start <= offset < b.end]
    return min(inner, key=lambda b: b.end - b.start) if inner else None


def _container_of(containers: list[Block], leaf: Block) -> Block | None:
    outer = [c for c in containers if c.start <= leaf.start and leaf.end <= c.end]
    return max(outer, key=lambda c: c.end - c.start) if outer else None
