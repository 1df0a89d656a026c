"""Build a document's text and its blocks together, so every offset is exact by construction.

Why build rather than locate: a reader that renders text first and then searches for each
block in it gets repeated phrases wrong. Here each piece of text is appended once, and
the block that holds it records where it went.

Layout of the text, as a browser shows it: blocks are separated by a blank line (the
paragraph break the chunker and the sentence splitter respect), the items of a list and
the rows of a table by a single line break, so a list reads as one unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from qa.types import Block

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Containers whose children follow each other on the next line rather than after a blank one.
_TIGHT = frozenset({"list", "list_item", "table"})


def clean_piece(text: str) -> str:
    """NFC, LF line ends, no control characters, lone surrogates as U+FFFD.

    The same normalisation `qa.loading.clean_text` gives plain text, applied to each
    piece before it is placed, so offsets never shift afterwards.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


@dataclass
class _Open:
    kind: str
    slot: int  # its place in the block list, held so containers precede their children
    level: int
    start: int | None = None  # set when the first text inside it is written
    path: tuple[str, ...] = ()


@dataclass
class BlockWriter:
    """Appends text block by block and records each block's kind, offsets and heading path."""

    _parts: list[str] = field(default_factory=list)
    _length: int = 0
    _slots: list[Block | None] = field(default_factory=list)
    _open: list[_Open] = field(default_factory=list)
    _headings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def path(self) -> tuple[str, ...]:
        """The headings the next block sits under, outermost first."""
        return tuple(text for _, text in self._headings)

    @property
    def in_list_item(self) -> bool:
        """Whether text written now belongs to an open list item (its own words)."""
        return bool(self._open) and self._open[-1].kind == "list_item"

    def leaf(self, kind: str, text: str, *, level: int = 0, header: bool = False) -> None:
        """Write a block that holds only text (a paragraph, a heading, a code block, a row).

        Text that is empty after trimming writes nothing. A heading becomes part of the
        path of the blocks after it, until a heading of the same or a higher level.
        """
        text = clean_piece(text).strip("\n").rstrip() if kind == "code" else _flat(text)
        if not text.strip():
            return
        if kind == "heading":  # its path: the headings above it, not its siblings
            while self._headings and self._headings[-1][0] >= level:
                self._headings.pop()
        path = self.path
        start = self._write(text)
        self._slots.append(Block(kind, start, self._length, level, path, header))
        if kind == "heading":
            self._headings.append((level, text))

    def text(self, text: str) -> None:
        """Write text that belongs to the open container itself (a list item's own words)."""
        text = _flat(text)
        if text.strip():
            self._write(text)

    def open(self, kind: str, *, level: int = 0) -> None:
        """Start a container (list, list item, table, quote); `close` ends it."""
        self._open.append(_Open(kind, len(self._slots), level, path=self.path))
        self._slots.append(None)

    def close(self) -> None:
        """End the innermost container; one that received no text leaves no block."""
        current = self._open.pop()
        if current.start is not None:
            self._slots[current.slot] = Block(
                current.kind, current.start, self._length, current.level, current.path
            )

    def result(self) -> tuple[str, tuple[Block, ...]]:
        """The text and its blocks in document order (containers before their contents)."""
        while self._open:
            self.close()
        return "".join(self._parts), tuple(b for b in self._slots if b is not None)

    def _write(self, text: str) -> int:
        if self._length:
            separator = "\n" if self._tight() else "\n\n"
            self._parts.append(separator)
            self._length += len(separator)
        start = self._length
        for container in self._open:
            if container.start is None:
                container.start = start
        self._parts.append(text)
        self._length += len(text)
        return start

    def _tight(self) -> bool:
        """Whether the next text continues a list or table that already has text."""
        for container in reversed(self._open):
            if container.kind not in _TIGHT:
                return False
            if container.start is not None:
                return True
        return False


def _flat(text: str) -> str:
    """Inline text: cleaned, its own line breaks kept, surrounding blanks trimmed per line."""
    lines = [line.strip() for line in clean_piece(text).split("\n")]
    return "\n".join(line for line in lines if line)
