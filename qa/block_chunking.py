"""A structured document (HTML, Markdown) -> sentences -> passages, from its blocks.

Why not the plain-text chunker: it never crosses a blank line, and in a rendered page a
blank line separates a lead-in ("On Debian, install the headers:") from the command it
introduces, a heading from its section, a caption from its listing. Cut there, each
half is a passage that cannot answer: the command alone shares no word with the
question, the sentence alone has no command. Here blocks are packed into passages that
keep such pairs together and never end inside a sentence:

- paragraphs split only between sentences (one sentence of overlap when a paragraph
  spans two passages);
- a heading, a caption and the sentence right before a list, table or code block are
  glued to what follows them;
- a list, a table or a code block is one unit while it fits; a longer one splits between
  items, rows or lines, and each later part gets its lead-in (and a table its header row)
  as context for search, by offsets, never as copied text (`passage_context`).

Each passage is embedded and indexed with its heading path, so "Firefox OS" under which
a sentence sits helps find it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from qa.sentences import SEGMENTER_PIECE, pieces, segment, trim
from qa.types import Block, Document, Span

LEAD_IN_CHARS = 300  # a paragraph longer than this is a text of its own, not a lead-in
_GROUPED = frozenset({"list", "table"})  # containers whose parts stay together while they fit


@dataclass(frozen=True)
class Region:
    """A run of text that belongs to one block and to no block inside it."""

    kind: str
    start: int
    end: int
    group: int  # regions of one list or table share their outermost container's index


@dataclass(frozen=True)
class _Unit:
    first: int  # sentence indexes, inclusive
    last: int
    glue: bool = False  # belongs with the unit after it
    head: int = -1  # the paragraph region its first sentence is in, for overlap; -1: none
    tail: int = -1  # the paragraph region its last sentence is in


def regions(document: Document) -> list[Region]:
    """The leaf text of every block, in order: leaves whole, a list item minus its sub-blocks."""
    blocks = document.blocks
    out: list[Region] = []
    outer: list[tuple[int, Block]] = []  # open grouped containers, outermost first
    for index, block in enumerate(blocks):
        while outer and outer[-1][1].end <= block.start:
            outer.pop()
        if block.kind in _GROUPED:
            if not outer:
                outer.append((index, block))
            continue
        group = outer[0][0] if outer else -1
        if block.kind == "quote":
            continue
        if block.kind == "list_item":
            children = [b for b in blocks[index + 1 :] if b.start < block.end]
            cursor = block.start
            for child in children:
                if child.start > cursor:
                    out.append(Region("list_item", cursor, child.start, group))
                cursor = max(cursor, child.end)
            if cursor < block.end:
                out.append(Region("list_item", cursor, block.end, group))
            continue
        out.append(Region(block.kind, block.start, block.end, group))
    out.sort(key=lambda r: r.start)
    return [r for r in out if document.text[r.start : r.end].strip()]


def sentences_and_windows(
    document: Document, max_chars: int, max_sentence_chars: int, overlap: int
) -> tuple[list[Span], list[tuple[int, int]]]:
    """Every sentence span of a structured document, and each passage as (first, last)."""
    text = document.text
    limit = min(max_sentence_chars, max_chars)
    spans: list[Span] = []
    owners: list[int] = []  # region index of each sentence
    parts = regions(document)
    for number, region in enumerate(parts):
        if region.kind in ("paragraph", "caption", "list_item"):
            found = [
                span
                for start, end in pieces(text, region.start, region.end, SEGMENTER_PIECE)
                for span in segment(text, start, end)
            ]
        elif region.kind == "code":
            found = _code_pieces(text, region.start, region.end, limit)
        else:  # heading, table row: one line, one sentence
            found = trim(text, region.start, region.end)
        for span in found:
            for start, end in pieces(text, span.start, span.end, limit):
                for piece in trim(text, start, end):
                    spans.append(piece)
                    owners.append(number)
    units = _units(parts, owners, spans, max_chars)
    kinds = [parts[o].kind for o in owners]
    return spans, _pack(units, spans, kinds, max_chars, overlap)


def _code_pieces(text: str, start: int, end: int, limit: int) -> list[Span]:
    """A code block as one span while it fits; else runs of whole lines up to `limit`."""
    if end - start <= limit:
        return [Span(start, end)]
    spans: list[Span] = []
    piece_start = start
    cursor = start
    while cursor < end:
        line_end = text.find("\n", cursor, end)
        line_end = end if line_end < 0 else line_end + 1
        if line_end - piece_start > limit and cursor > piece_start:
            spans.append(Span(piece_start, cursor))
            piece_start = cursor
        cursor = line_end
    spans.append(Span(piece_start, end))
    return [
        Span(s.start, s.start + len(text[s.start : s.end].rstrip()))
        for s in spans
        if text[s.start : s.end].strip()
    ]


def _units(
    parts: list[Region], owners: list[int], spans: list[Span], max_chars: int
) -> list[_Unit]:
    """Sentences grouped into what must not be split, with glue to what follows."""
    units: list[_Unit] = []
    index = 0
    while index < len(owners):
        region = parts[owners[index]]
        end = index
        if region.group >= 0:  # a whole list or table
            while end + 1 < len(owners) and parts[owners[end + 1]].group == region.group:
                end += 1
        else:
            while end + 1 < len(owners) and owners[end + 1] == owners[index]:
                end += 1
        whole = spans[end].end - spans[index].start <= max_chars
        if region.kind == "paragraph" or (region.kind == "list_item" and region.group < 0):
            units.extend(_Unit(i, i, False, owners[i], owners[i]) for i in range(index, end + 1))
        elif whole:
            units.append(_Unit(index, end, glue=region.kind in ("heading", "caption")))
        else:  # too long to keep whole: item by item, row by row, piece by piece
            units.extend(_Unit(i, i) for i in range(index, end + 1))
        following = parts[owners[end + 1]] if end + 1 < len(owners) else None
        if (
            following is not None
            and region.kind == "paragraph"
            and (following.group >= 0 or following.kind in ("code", "caption"))
        ):
            last = units[-1]
            units[-1] = _Unit(last.first, last.last, True, last.head, last.tail)  # a lead-in
        index = end + 1
    return units


def _pack(
    units: list[_Unit], spans: list[Span], kinds: list[str], max_chars: int, overlap: int
) -> list[tuple[int, int]]:
    """Greedy passages of whole units up to `max_chars`; glued units travel together."""
    merged: list[_Unit] = []
    for unit in units:
        if (
            merged
            and merged[-1].glue
            and spans[unit.last].end - spans[merged[-1].first].start <= max_chars
        ):
            head = merged[-1]
            merged[-1] = _Unit(head.first, unit.last, unit.glue, head.head, unit.tail)
        else:
            merged.append(unit)
    windows: list[tuple[int, int]] = []
    first = merged[0].first if merged else 0
    previous: _Unit | None = None
    for unit in merged:
        if previous is None:
            previous = unit
            continue
        length = spans[unit.last].end - spans[first].start
        starts_section = kinds[unit.first] == "heading"
        full = length > max_chars or (
            starts_section and spans[previous.last].end - spans[first].start >= max_chars // 2
        )
        if full:
            windows.append((first, previous.last))
            same_paragraph = unit.head >= 0 and unit.head == previous.tail
            back = overlap if same_paragraph else 0
            first = max(unit.first - back, windows[-1][0] + 1)
        previous = unit
    if previous is not None:
        windows.append((first, previous.last))
    return windows


def heading_path(document: Document, start: int) -> tuple[str, ...]:
    """The headings a passage starting at `start` sits under (empty for plain text)."""
    blocks = document.blocks
    at = bisect.bisect_right(document.block_starts, start) - 1
    return blocks[at].path if at >= 0 else ()


def passage_context(document: Document, start: int) -> str:
    """What a passage starting at `start` is read with: its heading path, and, when it
    continues a list or table that began in an earlier passage, the lead-in sentence and
    the table's header row. Used for embedding and search; never quoted."""
    blocks = document.blocks
    if not blocks:
        return ""
    at = bisect.bisect_right(document.block_starts, start) - 1
    if at < 0:
        return ""
    lines = [" > ".join(blocks[at].path)] if blocks[at].path else []
    for back in range(at, max(-1, at - 400), -1):
        container = blocks[back]
        if container.kind in _GROUPED and container.start < start < container.end:
            lead = _lead_in(document, back)
            if lead:
                lines.append(lead)
            if container.kind == "table":
                header = next(
                    (b for b in blocks[back + 1 : at + 1] if b.kind == "table_row" and b.header),
                    None,
                )
                if header is not None and header.start < start:
                    lines.append(document.text[header.start : header.end])
            break
    return "\n".join(lines)


def _lead_in(document: Document, container: int) -> str:
    """The paragraph right before a list or table, if it is short enough to be a lead-in."""
    if container == 0:
        return ""
    before = document.blocks[container - 1]
    if before.kind != "paragraph" or before.end > document.blocks[container].start:
        return ""
    text = document.text[before.start : before.end]
    return text if len(text) <= LEAD_IN_CHARS else ""
