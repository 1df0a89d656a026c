"""A PDF page's text lines -> paragraphs and headings in reading order.

Pure functions over `Line`s (text with its position and font size, as qa/load/pdf.py reads
them), so each rule can be tested on lines written by hand:

- running headers, footers and page numbers: a line near the top or bottom of its page
  whose text (digits normalised) recurs at the same height on at least a third of the
  pages, and at least three, is page furniture; so is a lone number there;
- columns: when a page's lines start at two or three left edges with no line running
  across the gaps, the columns are read left to right, each top to bottom (lines spanning
  them, such as a title, keep their place above or below);
- headings: an upright line, mostly letters, in a font noticeably larger than the body's
  (the median size, by characters) is a heading; the larger the font, the higher the level;
- re-flow: a line break inside a paragraph is a space; a paragraph ends at a vertical gap,
  an indented first line after a sentence's end, a bullet, a change of font size, or a
  short line ending a sentence; it goes on over a column or page break only mid-sentence;
  a paragraph that starts with a bullet glyph is a list item; a hanging indent's first
  line and a bold run-in ("DATES:") after a sentence's end start a paragraph too;
- tables: lines whose cells (stretches apart by wide gaps or dot leaders) stand in the
  same columns over consecutive lines are a table's rows (`find_tables`, in
  qa/load/pdf_tables.py), unless their
  cells read as prose (two columns side by side).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.load.pdf_lines import SENTENCE_END, Line
from qa.load.pdf_tables import find_tables

HEADING_RATIO = 1.08  # a heading's font is at least this much larger than the body's
FURNITURE_BAND = 0.12  # the top and bottom share of a page where headers and footers live
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,6}|[ivxlc]{1,7})(?:\s*(?:of|/)\s*\d{1,6})?$", re.IGNORECASE
)
# A word before a line-end hyphen that is itself a word which commonly opens a compound
# ("well-known", "self-contained", "high-level"): its hyphen is a real one and is kept.
COMPOUND_HEADS = frozenset(
    "well self ill half cross high low long short full open real user end built state "
    "case all one two three non".split()
)
_GLYPH = re.compile(r"^\s*[\u2022\u25aa\u25cf\u2013*]\s+")
_BULLET = re.compile(r"^\s*(?:[\u2022\u25aa\u25cf\u2013*]|\(?[0-9a-z]{1,2}[.)])\s")
_WORD = re.compile(r"\w+(?:-\w+)*")
_LAST_WORD = re.compile(r"[\w-]+$")
_FIRST_WORD = re.compile(r"[\w-]+")
_HYPHENATED = re.compile(r"(?:^|[^\w])([a-z]+)-$")


@dataclass(frozen=True)
class Paragraph:
    """Re-flowed text: a paragraph, a heading of `level` (1 = largest font), a bulleted
    list `item` (its bullet taken off), or a row of a `table`."""

    text: str
    level: int = 0
    item: bool = False
    table: int = 0  # a table's row: which table (1, 2, ...), its cells joined by " | "
    header: bool = False  # the table's header row


def drop_furniture(pages: Sequence[Sequence[Line]], heights: Sequence[float]) -> list[list[Line]]:
    """Each page's lines without running headers, footers and page numbers."""

    def near_edge(line: Line) -> bool:
        height = heights[line.page] or 1.0
        return line.y > height * (1 - FURNITURE_BAND) or line.y < height * FURNITURE_BAND

    def key(line: Line) -> tuple[int, str]:
        return round(line.y / 4), _DIGITS.sub("#", " ".join(line.text.lower().split()))

    seen: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
    for page in pages:
        for line in page:
            if near_edge(line):
                seen[key(line)].add(line.page)
    needed = max(3, len(pages) / 3)
    repeated = {k for k, found in seen.items() if len(found) >= needed}
    return [
        [
            line
            for line in page
            if not near_edge(line)
            or (key(line) not in repeated and not _PAGE_NUMBER.match(line.text.strip()))
        ]
        for page in pages
    ]


def reading_order(lines: Sequence[Line], width: float) -> list[Line]:
    """The page's lines in reading order: column by column, left to right.

    Columns are found from where lines start: an x at which lines holding an eighth of
    the page's characters start (four lines at least), a fifth of the page or more right of the
    previous column's start, is a column's left edge when almost no line (a tenth) runs
    across it. Between lines that span columns (a title, a wide table) the page is read
    column by column, each top to bottom; a page with one column keeps the file's order.
    """
    edges = column_edges(lines, width)
    if not edges:
        return list(lines)
    ordered: list[Line] = []
    band: list[tuple[int, Line]] = []

    def flush() -> None:
        ordered.extend(line for _, line in sorted(band, key=lambda cl: (cl[0], -cl[1].y)))
        band.clear()

    for line in sorted(lines, key=lambda line: -line.y):
        column = sum(line.x >= edge - line.size for edge in edges)
        if any(_crosses(line, edge) for edge in edges[column:]):
            flush()
            ordered.append(line)
        else:
            band.append((column, line))
    flush()
    return ordered


def _crosses(line: Line, edge: float) -> bool:
    """Whether `line` runs across a column edge, allowing for its estimated width being
    off by a sixth (fonts differ in how wide their letters are)."""
    slack = 2 * line.size + (edge - line.x) / 6
    return line.x < edge - line.size and line.end > edge + slack


def column_edges(lines: Sequence[Line], width: float) -> list[float]:
    """The left edges of every column but the first, left to right (none: one column)."""
    if len(lines) < 6 or width <= 0:
        return []
    starts = Counter(round(line.x / 4) * 4 for line in lines)
    chars = Counter[int]()
    for line in lines:
        chars[round(line.x / 4) * 4] += len(line.text)
    needed = sum(chars.values()) / 8
    edges: list[float] = []
    previous = min(starts)
    for x in sorted(starts):
        if starts[x] < 4 or chars[x] < needed or x - previous < 0.2 * width:
            continue
        crossing = sum(_crosses(line, x) for line in lines)
        if crossing <= len(lines) / 10:
            edges.append(float(x))
            previous = x
    return edges


def body_size(lines: Iterable[Line]) -> float:
    """The font size most of the text is set in (the median over characters)."""
    sizes = Counter[float]()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    if not sizes:
        return 0.0
    ranked = sorted(sizes.items())
    half, seen = sum(sizes.values()) / 2, 0
    for size, count in ranked:
        seen += count
        if seen >= half:
            return size
    return ranked[-1][0]


def heading_levels(lines: Iterable[Line], body: float) -> dict[float, int]:
    """Heading level by font size: sizes noticeably above the body's, largest first (1-6)."""
    large = sorted(
        {
            round(line.size, 1)
            for line in lines
            if line.size >= body * HEADING_RATIO and _reads_as_heading(line)
        }
    )
    return {size: min(level, 6) for level, size in enumerate(reversed(large), start=1)}


def paragraphs(lines: Sequence[Line]) -> list[Paragraph]:
    """Lines in reading order -> paragraphs and headings, hard wraps and hyphens re-joined."""
    body = body_size(lines)
    levels = heading_levels(lines, body)
    pitch = _line_pitch(lines)
    typical = statistics.median([len(line.text) for line in lines]) if lines else 0
    words = vocabulary(lines)
    tables = {table.start: table for table in find_tables(lines)}
    out: list[Paragraph] = []
    text = ""
    level = 0
    previous: Line | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        table = tables.get(index - 1)
        if table is not None:  # its rows, between the paragraphs before and after
            if text:
                out.append(Paragraph(text, level))
            text, previous, index = "", None, table.stop
            number = len(tables) - sum(start > table.start for start in tables)
            for row_number, cells in enumerate(table.rows):
                header = table.header and row_number == 0
                out.append(Paragraph(" | ".join(cells), table=number, header=header))
            continue
        line_words = " ".join(line.text.split())
        if not line_words:
            continue
        line_level = levels.get(round(line.size, 1), 0) if _reads_as_heading(line) else 0
        breaks = previous is None or _breaks(
            previous, line, text, pitch=pitch, typical=typical, level=line_level, open_level=level
        )
        if breaks:
            if text:
                out.append(Paragraph(text, level))
            text, level = line_words, line_level
        else:
            text = join_lines(text, line_words, words)
        previous = line
    if text:
        out.append(Paragraph(text, level))
    return [paragraph if paragraph.table else _as_item(paragraph) for paragraph in out]


def _as_item(paragraph: Paragraph) -> Paragraph:
    bullet = None if paragraph.level else _GLYPH.match(paragraph.text)
    if bullet is None or bullet.end() == len(paragraph.text):
        return paragraph
    return Paragraph(paragraph.text[bullet.end() :], item=True)


def _reads_as_heading(line: Line) -> bool:
    """Whether a line in a heading's font can be one: upright, mostly letters (the numbers
    on a chart's axes are often drawn larger than the text), not letter-spaced."""
    letters = sum(c.isalpha() for c in line.text)
    words = line.text.split()
    spaced = len(words) >= 4 and letters < 1.5 * len(words)  # "C O M P U T E R": a banner
    return line.upright and letters >= 3 and letters * 2 >= len("".join(words)) and not spaced


def _line_pitch(lines: Sequence[Line]) -> float:
    """The usual distance between two lines of one paragraph."""
    gaps = [
        a.y - b.y
        for a, b in itertools.pairwise(lines)
        if a.page == b.page and 0 < a.y - b.y < 2.5 * a.size
    ]
    return statistics.median(gaps) if gaps else 0.0


def _breaks(
    previous: Line,
    line: Line,
    text: str,
    *,
    pitch: float,
    typical: float,
    level: int,
    open_level: int,
) -> bool:
    """Whether `line` starts a new paragraph after `previous`, the last line of the open
    paragraph `text` (of heading level `open_level`; `level` is the line's own)."""
    if level != open_level:
        return True
    if level:  # a heading wrapped over lines goes on while the size stays the same
        return not 0 < previous.y - line.y < 2 * line.size or line.page != previous.page
    if abs(line.size - previous.size) >= 1:  # body text and a footnote or a caption
        return True
    ended = bool(SENTENCE_END.search(text))
    moved = line.page != previous.page or line.y >= previous.y or abs(line.x - previous.x) > 50
    if moved:  # a new page or column: the paragraph goes on only mid-sentence or mid-word
        return ended or not (line.text.lstrip()[:1].islower() or text.endswith("-"))
    usual = pitch or line.size * 1.2  # no two lines close enough to measure: the size's
    if previous.y - line.y > usual * 1.4:
        return True
    if _BULLET.match(line.text):
        return True
    if ended and line.x > previous.x + line.size * 0.8:  # an indented first line
        return True
    if ended and line.x < previous.x - line.size * 0.8:  # a hanging indent's first line
        return True
    if ended and line.leads_bold and not previous.bold:  # a run-in heading ("DATES:")
        return True
    return ended and len(previous.text.rstrip()) < typical * 0.7


def join_lines(text: str, line: str, words: frozenset[str] = frozenset()) -> str:
    """`text` and the next line of its paragraph: a space, or a hyphenated word re-joined.

    A line ending in lower case and a hyphen, followed by a line starting in lower case,
    may be a word split by hyphenation ("config-" + "uration") or a compound ("work-" +
    "hours"). The document's own `words` (lower case, hyphenated ones whole) decide when
    they know either form; otherwise the word is joined, unless the part before the hyphen
    commonly opens a compound ("well-" + "known" stays "well-known"). A hyphen next to a
    capital or a digit ("COVID-" + "19", "Wi-" + "fi") is always kept.
    """
    found = _HYPHENATED.search(text)
    if found and line[:1].islower():
        head = _LAST_WORD.search(text)
        tail = _FIRST_WORD.match(line)
        before = head.group(0).lower() if head else ""
        after = tail.group(0).lower() if tail else ""
        if before + after in words:
            return text + line
        if before[:-1] + after not in words and found.group(1) in COMPOUND_HEADS:
            return text + line
        return text[:-1] + line
    if text.endswith("-") and line[:1].isalnum():
        return text + line
    return f"{text} {line}"


def vocabulary(lines: Iterable[Line]) -> frozenset[str]:
    """Every word of the lines in lower case, hyphenated words whole ("pay-per-use")."""
    return frozenset(word for line in lines for word in _WORD.findall(line.text.lower()))
