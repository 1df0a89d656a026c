"""What the reader reads for a candidate sentence: the sentence as a person would read it.

Why: a line of a structured page often means nothing on its own. A table row ("true |
--no-semi | semi: <bool>") is read under its section heading and its column names; a
command ("$ sudo apt-get install libpq-dev") or a list item is read after the sentence
that introduces it ("On Debian / Ubuntu based systems:"). The reader, which scores how
well a sentence answers a question, is given the same context a person uses. Quotes and
offsets are untouched: this text is only read, never shown.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from qa.types import Block, Document, Span

CELL_SEPARATOR = " | "  # how the loaders join a table row's cells (qa/load/)
_INTRODUCED = frozenset({"code", "list_item"})  # read after their lead-in sentence


def reading_text(document: Document, sentences: Sequence[Span], row: int) -> str:
    """The text the reader reads for sentence `row` of `document` (`sentences` are the
    document's sentence spans, in order).

    Plain sentences are read as they are. A table row is read as "Heading: Column: cell;
    Column: cell". A line of code or a list item is read after its lead-in: the sentence
    right before its block when that ends in ":", or the code's caption.
    """
    span = sentences[row]
    sentence = document.text[span.start : span.end]
    leaf = _leaf_at(document, span.start)
    if leaf is None:
        return sentence
    if leaf.kind == "table_row" and not leaf.header and leaf.end == span.end:
        return _row_text(document, leaf, sentence)
    if leaf.kind in _INTRODUCED:
        lead = _lead_in(document, sentences, row, _outer(document, leaf))
        if lead:
            return f"{lead}\n{sentence}"
    return sentence


def _row_text(document: Document, row: Block, sentence: str) -> str:
    cells = sentence.split(CELL_SEPARATOR)
    header = _header_of(document, row)
    if header is not None:
        names = document.text[header.start : header.end].split(CELL_SEPARATOR)
        if len(names) == len(cells):
            cells = [
                f"{name.strip()}: {cell.strip()}" for name, cell in zip(names, cells, strict=True)
            ]
    elif len(cells) == 2:  # a key-value table, such as an infobox: "Founded | 1998"
        cells = [f"{cells[0].strip()}: {cells[1].strip()}"]
    where = row.path[-1] if row.path else document.title
    body = "; ".join(cells)
    return f"{where}: {body}" if where else body


def _lead_in(document: Document, sentences: Sequence[Span], row: int, block: Block) -> str:
    """The sentence that introduces `block`: the last one before it, ending in ":" (or a
    caption), with only whitespace between them."""
    back = row
    while back > 0 and sentences[back - 1].end > block.start:
        back -= 1
    if back == 0:
        return ""
    before = sentences[back - 1]
    text = document.text
    if text[before.end : block.start].strip():
        return ""
    lead = text[before.start : before.end]
    owner = _leaf_at(document, before.start)
    is_caption = owner is not None and owner.kind == "caption"
    return lead if lead.rstrip().endswith(":") or is_caption else ""


def _leaf_at(document: Document, offset: int) -> Block | None:
    """The innermost block holding `offset` (the last-starting one that covers it)."""
    blocks = document.blocks
    at = bisect.bisect_right(document.block_starts, offset) - 1
    for back in range(at, max(-1, at - 64), -1):
        if blocks[back].start <= offset < blocks[back].end:
            return blocks[back]
    return None


def _outer(document: Document, leaf: Block) -> Block:
    """A list item's list (the outermost one round it); any other block itself."""
    if leaf.kind != "list_item":
        return leaf
    blocks = document.blocks
    at = bisect.bisect_right(document.block_starts, leaf.start) - 1
    outer = leaf
    for back in range(at, -1, -1):
        block = blocks[back]
        if block.kind == "list" and block.start <= leaf.start and leaf.end <= block.end:
            outer = block
        elif block.end <= leaf.start and block.kind != "list_item":
            break
    return outer


def _header_of(document: Document, row: Block) -> Block | None:
    """The header row of the table holding `row`, when the table has one above it."""
    blocks = document.blocks
    at = bisect.bisect_right(document.block_starts, row.start) - 1
    for back in range(at, -1, -1):
        block = blocks[back]
        if block.kind == "table" and block.start <= row.start < block.end:
            rows = (b for b in blocks[back + 1 : at] if b.kind == "table_row")
            return next((b for b in rows if b.header and b.end <= row.start), None)
    return None
