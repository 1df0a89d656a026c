"""Simple tables among a PDF's lines: a line's cells, and rows of cells in the same columns.

A PDF draws a table as text at positions, with no table in it. What marks one is that
short stretches of text stand in the same columns over consecutive lines; two columns of
prose side by side also do, so cells that read as running text are not a table's.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.load.pdf_lines import SENTENCE_END, Cell, Line, text_width

_LEADER = re.compile(r"\s*(?:\.\s?){4,}\s*")  # dots leading the eye to the next cell
_SPACES = re.compile(r"\s+")
_CLOSING = frozenset(".,;:!?)]}%")
CELL_GAP = 0.8  # a gap this many font sizes wide between two pieces of a line parts cells
TABLE_CELL_CHARS = 40  # a table's cells are short: at most this long on average


def split_cells(pieces: Sequence[tuple[float, float, str]]) -> tuple[Cell, ...]:
    """A line's pieces (x, size, text, as drawn) -> its cells: stretches apart by a gap of
    `CELL_GAP` font sizes or more, or by dot leaders ("Wiring ........ $3,790"); () when the
    line is one stretch. Positions inside a piece are estimated (`text_width`)."""
    cells: list[list[Any]] = []  # [x, end, text], as they grow
    end = -math.inf
    fresh = True  # the next text starts a cell
    for x, size, text in pieces:
        if x < end - size:  # reported at the line's start, yet drawn after the text before
            x = end
        # A piece starting with a full stop or a closing mark goes on the text before it
        # (a decimal point drawn in a math font: "99" + ".20 %").
        fresh = fresh or (x - end > CELL_GAP * size and text[:1] not in _CLOSING)
        cuts = [0, *(i for m in _LEADER.finditer(text) for i in m.span()), len(text)]
        for number, (a, b) in enumerate(itertools.pairwise(cuts)):
            if number % 2:  # a leader
                fresh = True
                continue
            part = text[a:b]
            stop = x + text_width(text[:b], size)
            if not part.strip():  # a space between words, or before a cell that follows
                if cells and not fresh:
                    cells[-1][2] += part
                continue
            if fresh or not cells:
                cells.append([x + text_width(text[:a], size), stop, part])
            else:
                cells[-1][1:] = stop, cells[-1][2] + part
            fresh = False
        end = x + text_width(text, size)
    if len(cells) < 2:
        return ()
    return tuple((x, end, _SPACES.sub(" ", text).strip()) for x, end, text in cells)


@dataclass
class _Row:
    """Lines side by side (one baseline) and their cells, as a table row may be."""

    start: int  # the first line's index
    stop: int  # past the last line's
    page: int
    y: float
    size: float
    cells: list[list[Any]]  # [x, end, text]
    bold: bool


@dataclass(frozen=True)
class Table:
    """Lines `start` to `stop` (indices) read as rows of cells; the first row maybe a header."""

    start: int
    stop: int
    rows: tuple[tuple[str, ...], ...]
    header: bool


def _cells_of(line: Line) -> list[list[Any]]:
    if line.cells:
        return [list(cell) for cell in line.cells]
    text = _SPACES.sub(" ", line.text).strip()
    return [[line.x, line.x + text_width(text, line.size), text]]


def _rows(lines: Sequence[Line]) -> list[_Row]:
    """Lines on one baseline joined into rows; a line of one stretch just under a row
    (less than 1.3 font sizes), right of its first cell, is the text of the cell above it
    wrapped onto a second line ("Up to 79 work-hours × $85 per hour =" / "Up to $6,715.")."""
    rows: list[_Row] = []
    for index, line in enumerate(lines):
        row = rows[-1] if rows else None
        if row and line.page == row.page and abs(line.y - row.y) <= 0.35 * line.size:
            row.cells += _cells_of(line)
            row.stop, row.bold = index + 1, row.bold and line.bold
            continue
        if (
            row
            and len(row.cells) >= 2
            and not line.cells
            and line.page == row.page
            and 0 < row.y - line.y < 1.3 * line.size
            and line.x > row.cells[0][0] + line.size
        ):
            above = max((c for c in row.cells if c[0] <= line.x + line.size), key=lambda c: c[0])
            words = _SPACES.sub(" ", line.text).strip()
            above[1:] = max(above[1], line.x + text_width(words, line.size)), f"{above[2]} {words}"
            row.stop = index + 1
            continue
        rows.append(
            _Row(index, index + 1, line.page, line.y, line.size, _cells_of(line), line.bold)
        )
    return rows


def _aligned(upper: _Row, lower: _Row) -> bool:
    """Whether two rows' cells stand in the same columns: of the row with fewer cells, two
    at least and half at least lie over a cell of the other (they overlap across)."""
    if len(upper.cells) < 2 or len(lower.cells) < 2:
        return False
    fewer, more = sorted((upper.cells, lower.cells), key=len)
    over = sum(any(a[0] < b[1] and b[0] < a[1] for b in more) for a in fewer)
    return over >= 2 and over * 2 >= len(fewer)


def _follows(upper: _Row, lower: _Row) -> bool:
    """Whether `lower` is the next row of a table `upper` is a row of."""
    return (
        upper.page == lower.page
        and 0 < upper.y - lower.y < 3 * max(upper.size, lower.size)
        and abs(upper.size - lower.size) < 1
        and _aligned(upper, lower)
    )


def find_tables(lines: Sequence[Line]) -> list[Table]:
    """Simple tables among lines in reading order: two rows or more, one under the other,
    whose cells (stretches apart by wide gaps or dot leaders) stand in the same columns,
    and short (at most `TABLE_CELL_CHARS` on average, and in four rows out of five at least
    no cell of five lower-case words: two columns of prose side by side are not a table).

    A line of one stretch just above, in the same font and with no digits or sentence end,
    is the table's header ("Action Labor cost Parts cost"); so is a first row with no digits
    over rows with some, or in bold over rows that are not.
    """
    rows = _rows(lines)
    tables: list[Table] = []
    first = 0
    while first < len(rows):
        last = first
        while last + 1 < len(rows) and _follows(rows[last], rows[last + 1]):
            last += 1
        run = rows[first : last + 1]
        cells = [cell[2] for row in run for cell in row.cells]
        prose = sum(any(_reads_as_prose(cell[2]) for cell in row.cells) for row in run)
        if (
            len(run) >= 2
            and sum(map(len, cells)) <= TABLE_CELL_CHARS * len(cells)
            and prose * 5 < len(run)
        ):
            tables.append(_table(rows, first, last))
        first = last + 1
    return tables


def _reads_as_prose(cell: str) -> bool:
    """Whether a cell reads as a line of running text: five lower-case words or more."""
    return sum(word.strip(".,;:()").isalpha() and word.islower() for word in cell.split()) >= 5


def _table(rows: Sequence[_Row], first: int, last: int) -> Table:
    run = list(rows[first : last + 1])
    above = rows[first - 1] if first else None
    heading = (
        above is not None
        and len(above.cells) == 1
        and above.page == run[0].page
        and 0 < above.y - run[0].y < 3 * run[0].size
        and abs(above.size - run[0].size) < 1
        and not any(map(str.isdigit, above.cells[0][2]))
        and not SENTENCE_END.search(above.cells[0][2])
    )
    if heading and above is not None:
        run.insert(0, above)
    texts = tuple(tuple(cell[2] for cell in row.cells) for row in run)
    top = " ".join(texts[0])
    header = heading or (
        not any(map(str.isdigit, top)) and any(any(map(str.isdigit, " ".join(r))) for r in texts)
    )
    header = header or (run[0].bold and not all(row.bold for row in run[1:]))
    return Table(run[0].start, run[-1].stop, texts, header)
