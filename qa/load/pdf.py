"""PDF -> text and blocks, through pypdf's text visitor (where each piece of text is drawn).

Why not `page.extract_text()`: its plain text keeps every hard-wrapped line as a line,
running headers and page numbers in the middle of sentences, words split by hyphenation,
and on two-column pages the columns in whatever order the file draws them. Here pypdf
reports each piece of text with its position and font size; the pieces become lines,
and qa/load/pdf_layout.py orders them, drops page furniture and re-flows them into
paragraphs and headings, written through one `BlockWriter` so the offsets are exact.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from qa.errors import DocumentError
from qa.load.blocks import BlockWriter
from qa.load.pdf_layout import Paragraph, drop_furniture, paragraphs, reading_order
from qa.load.pdf_lines import Line
from qa.load.pdf_tables import split_cells
from qa.types import Block

# pypdf raises many kinds of exception on malformed files; each becomes a DocumentError.
_READ_ERRORS: tuple[type[BaseException], ...] = (Exception,)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


@dataclass(frozen=True)
class PdfText:
    """A PDF as read: its text, blocks, title (the first heading) and page count."""

    text: str
    blocks: tuple[Block, ...]
    title: str | None
    pages: int


def read_pdf(data: bytes, name: str) -> PdfText:
    """Read a PDF's text layer into re-flowed paragraphs and headings.

    Args:
        data: the file's bytes.
        name: the file's name, for messages.

    Returns:
        The text and blocks; an empty text when no page holds text (a scan).

    Raises:
        DocumentError: the PDF is encrypted, truncated or otherwise unreadable (named).
    """
    from pypdf import PdfReader

    _quiet_pypdf()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{name} is an encrypted PDF; save an unlocked copy and retry.")
        pages = [_page_lines(number, page) for number, page in enumerate(reader.pages)]
        sizes = [_page_size(page) for page in reader.pages]
    except DocumentError:
        raise
    except _READ_ERRORS as err:
        raise DocumentError(f"{name} is not a readable PDF ({type(err).__name__}: {err})") from err
    kept = drop_furniture(pages, [height for _, height in sizes])
    ordered = [line for page, (width, _) in zip(kept, sizes, strict=True)
               for line in reading_order(page, width)]  # fmt: skip
    writer = BlockWriter()
    _write(writer, paragraphs(ordered))
    text, blocks = writer.result()
    first = next((b for b in blocks if b.kind == "heading"), None)
    title = text[first.start : first.end] if first else None
    return PdfText(text, blocks, title, len(pages))


def _write(writer: BlockWriter, found: list[Paragraph]) -> None:
    """Headings, paragraphs, consecutive list items as one list, a table's rows as one
    table."""
    in_list = False
    table = 0
    for paragraph in found:
        if paragraph.table != table:
            if table:
                writer.close()
            table = paragraph.table
            if table:
                writer.open("table")
        if table:
            writer.leaf("table_row", paragraph.text, header=paragraph.header)
            continue
        if paragraph.item:
            if not in_list:
                writer.open("list")
                in_list = True
            writer.open("list_item", level=1)
            writer.text(paragraph.text)
            writer.close()
            continue
        if in_list:
            writer.close()
            in_list = False
        kind = "heading" if paragraph.level else "paragraph"
        writer.leaf(kind, paragraph.text, level=paragraph.level)


def _quiet_pypdf() -> None:
    """pypdf logs what it repairs ("EOF marker not found") to its own logger; with no
    handler anywhere, Python prints such warnings on stderr, over our own output. A
    NullHandler on pypdf's logger ends that; an application that configures logging still
    gets the records through the root logger."""
    logger = logging.getLogger("pypdf")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _page_size(page: Any) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width), float(box.height)


def _page_lines(number: int, page: Any) -> list[Line]:
    """The page's text as lines, in the order the file draws them."""
    lines: list[Line] = []
    current: list[tuple[float, float, float, str, bool]] = []  # x, y, size, text, bold
    upright = True

    def close() -> None:
        if current and "".join(piece[3] for piece in current).strip():
            x, y, *_ = current[0]
            text = "".join(piece[3] for piece in current)
            size = max(piece[2] for piece in current)
            bold = sum(len(t.strip()) for *_, t, b in current if b)
            heavy = bold * 2 > sum(len(piece[3].strip()) for piece in current)
            cells = split_cells([(px, ps, pt) for px, _, ps, pt, _ in current])
            leads = current[0][4] and not heavy and bool(current[0][3].strip())
            lines.append(Line(number, x, y, size, text, upright, heavy, cells, leads))
        current.clear()

    def visit(text: str, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        nonlocal upright
        across = tm[0] * cm[0] + tm[1] * cm[2]
        turned = abs(tm[0] * cm[1] + tm[1] * cm[3]) > 1e-3 * abs(across) or across <= 0
        if current and turned == upright:  # the direction changed: another line
            close()
        upright = not turned
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        size = float(font_size or 0) * (scale or 1.0) or 1.0
        bold = _is_bold(font)
        for offset, part in enumerate(text.split("\n")):
            if offset:  # pypdf ended the line inside the piece: what follows is the next one
                close()
                y -= size * 1.2
            if not part:
                continue
            if current and _new_line(current[-1], x, y, size):
                close()
            current.append((x, y, size, part, bold))

    page.extract_text(visitor_text=visit)
    close()
    return lines


def _is_bold(font: Any) -> bool:
    """Whether a font dictionary names a bold face ("TimesNewRomanPS-BoldMT")."""
    try:
        name = str(font.get("/BaseFont", "")) if font else ""
    except _READ_ERRORS:
        return False
    return bool(_BOLD.search(name))


def _new_line(last: tuple[float, float, float, str, bool], x: float, y: float, size: float) -> bool:
    """Whether a piece drawn at (x, y) starts a new line after the `last` piece."""
    last_x, last_y, last_size, last_text, _ = last
    if abs(y - last_y) > 0.4 * max(size, last_size):
        return True
    estimated_end = last_x + len(last_text) * last_size * 0.5
    return x < last_x - size or x > estimated_end + 3 * size
