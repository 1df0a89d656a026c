"""The lines PDF layout works on: text drawn on a page, with where and how it is drawn.

qa/load/pdf.py makes them from pypdf's text visitor; qa/load/pdf_layout.py re-flows them
into paragraphs and qa/load/pdf_tables.py finds table rows among them. They share these
records and estimates, and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Average advance of a character, in font sizes: PDFs give where a line starts, not where it
# ends, so a line's width is estimated from its length.
CHAR_WIDTH = 0.5
# Where a line ends a sentence: its last mark, closing quotes and brackets allowed after.
SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*$")

Cell = tuple[float, float, str]  # where a stretch of a line starts and (estimated) ends, text


@dataclass(frozen=True)
class Line:
    """One line of text on a page: where it starts (PDF points, y upwards) and its font size."""

    page: int
    x: float
    y: float
    size: float
    text: str
    upright: bool = True  # drawn left to right, not turned (an axis label often is)
    bold: bool = False  # most of its letters in a bold face
    cells: tuple[Cell, ...] = ()  # its stretches apart by a wide gap or dot leaders, if 2+
    leads_bold: bool = False  # its first word in a bold face ("DATES: The FAA must")

    @property
    def end(self) -> float:
        """Where the line ends, estimated from its length."""
        return self.x + len(self.text) * self.size * CHAR_WIDTH


def text_width(text: str, size: float) -> float:
    """The width `text` takes in a font of `size`, estimated from its letters (capitals are
    wider, spaces and dots narrower than the average letter)."""
    narrow = text.count(" ") + text.count(".") + text.count(",")
    wide = sum(map(str.isupper, text))
    return size * (0.48 * len(text) - 0.22 * narrow + 0.2 * wide)
