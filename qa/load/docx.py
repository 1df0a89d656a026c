"""Word (.docx) -> text and blocks, through python-docx, as Word shows the document.

Why read the XML rather than `Document.paragraphs`: paragraphs and tables interleave in
the body, and the order is what a reader follows ("the table below"); content controls
(`w:sdt`) hold whole sections in many templates; tracked insertions sit in `w:ins`, which
python-docx's paragraph text skips. So the body is walked element by element:

- a paragraph styled "Heading N" (or based on one, or with an outline level) is a heading
  of level N, and the path of what follows; the "Title" paragraph is the title and the
  outermost heading;
- paragraphs with list numbering (their own or their style's) are list items, nested by
  their numbering level;
- paragraphs in a code style ("Code", "HTML Preformatted", "Source Code", ...) are one
  code block, line by line;
- a table is rows of cells joined by " | ", the first row a header when Word marks it so
  (a repeated header row, or the table style's header-row option, Word's default);
  a one-column table is a layout box, read as its paragraphs;
- headers, footers, footnotes, comments and deleted text are not the document's text.

Everything is written through one `BlockWriter`, so the offsets are exact.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qa.errors import DocumentError
from qa.load.blocks import BlockWriter
from qa.types import Block

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# An OLE compound file: a password-protected .docx (Word encrypts the whole package) or a
# Word 97-2003 .doc renamed; neither is a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A zip bomb is refused before anything is inflated: real documents' XML stays far below
# this (a 300-page report's document.xml is ~5 MB), and compresses about 10:1.
MAX_INFLATED_BYTES = 64 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_CODE_STYLE = re.compile(r"code|preformatted|verbatim|listing|macro text", re.IGNORECASE)
_TITLE_STYLE = "title"
# tblLook's legacy hex flags: 0x0020 = "header row" formatting on.
_LOOK_FIRST_ROW = 0x0020


@dataclass(frozen=True)
class DocxText:
    """A Word document as read: its text, blocks and title (None when it names none)."""

    text: str
    blocks: tuple[Block, ...]
    title: str | None


def read_docx(data: bytes, name: str) -> DocxText:
    """Read a .docx's body into headings, paragraphs, lists, code and tables.

    Args:
        data: the file's bytes.
        name: the file's name, for messages.

    Raises:
        DocumentError: encrypted, a renamed .doc, not a Word file, damaged, or a zip that
            inflates past `MAX_INFLATED_BYTES` (each named).
    """
    _check_package(data, name)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        styles = _Styles(document)
        writer = BlockWriter()
        _Walker(writer, styles).body(document.element.body)
        title = (document.core_properties.title or "").strip() or None
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise DocumentError(
            f"{name} is not a readable Word document ({err}); open it in Word or "
            "LibreOffice and save it again as .docx."
        ) from err
    except Exception as err:  # lxml's XMLSyntaxError and python-docx's own on damaged parts
        raise DocumentError(f"{name} is damaged and cannot be read as .docx: {err}") from err
    text, blocks = writer.result()
    return DocxText(text, blocks, title or _first_heading(text, blocks))


def _check_package(data: bytes, name: str) -> None:
    """Refuse what is not a .docx zip, or would inflate to far more than a document."""
    if data.startswith(_OLE_MAGIC):
        raise DocumentError(
            f"{name} is password-protected or an old Word 97-2003 file renamed to .docx; "
            "save an unprotected copy as .docx and retry."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            inflated = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise DocumentError(
            f"{name} is not a Word document (a .docx is a zip package; this file is "
            f"truncated or something else renamed): {err}"
        ) from err
    if inflated > MAX_INFLATED_BYTES:
        raise DocumentError(
            f"{name} inflates to {inflated:,} bytes, over the {MAX_INFLATED_BYTES:,} a Word "
            "document's text can take; it was not read."
        )


def _first_heading(text: str, blocks: tuple[Block, ...]) -> str | None:
    for block in blocks:
        if block.kind == "heading":
            return text[block.start : block.end]
    return None


class _Styles:
    """Paragraph styles by id: heading level, list numbering and code, following `basedOn`."""

    def __init__(self, document: Any) -> None:
        self._by_id: dict[str, Any] = {}
        for style in document.styles.element.iter(f"{_W}style"):
            if style.get(f"{_W}type") == "paragraph":
                self._by_id[style.get(f"{_W}styleId", "")] = style

    def chain(self, style_id: str | None) -> Iterator[Any]:
        """The style and the styles it is based on, nearest first (cycles cut)."""
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self._by_id:
            seen.add(style_id)
            style = self._by_id[style_id]
            yield style
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None

    def names(self, style_id: str | None) -> list[str]:
        names = []
        for style in self.chain(style_id):
            name = style.find(f"{_W}name")
            names.append((name.get(f"{_W}val", "") if name is not None else "").strip())
        return names

    def heading_level(self, style_id: str | None) -> int | None:
        """1-9 for a heading style, 0 for the title style, None otherwise."""
        for index, name in enumerate(self.names(style_id)):
            if index == 0 and name.lower() == _TITLE_STYLE:
                return 0
            match = _HEADING_STYLE.match(name)
            if match:
                return int(match.group(1))
        for style in self.chain(style_id):
            level = _outline_level(style.find(f"{_W}pPr"))
            if level is not None:
                return level
        return None

    def is_code(self, style_id: str | None) -> bool:
        return any(_CODE_STYLE.search(name) for name in self.names(style_id))

    def list_level(self, style_id: str | None) -> int | None:
        for style in self.chain(style_id):
            level = _numbering_level(style.find(f"{_W}pPr"))
            if level is not None:
                return level
        return None


def _outline_level(properties: Any) -> int | None:
    """A paragraph's outline level 0-8 as heading level 1-9 (9 is "body text")."""
    if properties is None:
        return None
    outline = properties.find(f"{_W}outlineLvl")
    if outline is None:
        return None
    value = _int(outline.get(f"{_W}val"))
    return value + 1 if value is not None and 0 <= value < 9 else None


def _numbering_level(properties: Any) -> int | None:
    """The list level of numbering properties; None when absent or switched off (numId 0)."""
    if properties is None:
        return None
    numbering = properties.find(f"{_W}numPr")
    if numbering is None:
        return None
    number = numbering.find(f"{_W}numId")
    if number is not None and number.get(f"{_W}val") == "0":
        return None
    level = numbering.find(f"{_W}ilvl")
    return (_int(level.get(f"{_W}val")) or 0) if level is not None else 0


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def paragraph_text(paragraph: Any) -> str:
    """The text Word shows for a paragraph: runs, hyperlinks, fields' results and tracked
    insertions; not deleted text, field codes, or the fallback copy of a drawing."""
    parts: list[str] = []
    for element in paragraph.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == f"{_W}t":
            if not _inside(element, paragraph, (_MC_FALLBACK, f"{_W}del")):
                parts.append(element.text or "")
        elif tag == f"{_W}tab" and element.getparent().tag == f"{_W}r":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _inside(element: Any, stop: Any, tags: tuple[str, ...]) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


class _Walker:
    """Writes a body's paragraphs and tables into a BlockWriter, keeping lists and code
    blocks open across consecutive paragraphs."""

    def __init__(self, writer: BlockWriter, styles: _Styles) -> None:
        self.writer = writer
        self.styles = styles
        self._stack: list[str] = []  # the lists and list items open in the writer
        self._code: list[str] = []

    def body(self, element: Any) -> None:
        self._children(element)
        self._end_runs()

    def _children(self, element: Any) -> None:
        for child in element:
            if child.tag == f"{_W}p":
                self.paragraph(child)
            elif child.tag == f"{_W}tbl":
                self._end_runs()
                self.table(child)
            elif child.tag == f"{_W}sdt":
                if not _is_table_of_contents(child):
                    content = child.find(f"{_W}sdtContent")
                    if content is not None:
                        self._children(content)
            elif child.tag in (f"{_W}ins", f"{_W}customXml", f"{_W}smartTag"):
                self._children(child)

    def paragraph(self, element: Any) -> None:
        properties = element.find(f"{_W}pPr")
        style_id = None
        if properties is not None and properties.find(f"{_W}pStyle") is not None:
            style_id = properties.find(f"{_W}pStyle").get(f"{_W}val")
        text = paragraph_text(element)
        if self.styles.is_code(style_id):
            self._end_list()
            self._code.append(text.rstrip())
            return
        self._end_code()
        if not text.strip():
            return  # an empty paragraph is spacing; it does not end a list
        level = self.styles.heading_level(style_id)
        if level is None:
            level = _outline_level(properties)
        if level is not None:
            self._end_list()
            self.writer.leaf("heading", text, level=level)
            return
        depth = _numbering_level(properties)
        if depth is None:
            depth = self.styles.list_level(style_id)
        if depth is None:
            self._end_list()
            self.writer.leaf("paragraph", text)
            return
        self._list_item(min(depth, 8), text)

    def _list_item(self, depth: int, text: str) -> None:
        """An item at nesting `depth` (0 = outermost): siblings close the item before,
        a deeper item opens a list inside the open item, a shallower one closes lists."""
        while self._stack:
            lists = self._stack.count("list")
            if lists > depth + 1 or (lists == depth + 1 and self._stack[-1] == "list_item"):
                self._pop()
            else:
                break
        while self._stack.count("list") < depth + 1:
            if self._stack and self._stack[-1] == "list":
                self._push("list_item")  # a level skipped: an item of its own holds the list
            self._push("list")
        self._push("list_item")
        self.writer.text(text)

    def _push(self, kind: str) -> None:
        self.writer.open(kind)
        self._stack.append(kind)

    def _pop(self) -> None:
        self.writer.close()
        self._stack.pop()

    def _end_list(self) -> None:
        while self._stack:
            self._pop()

    def _end_code(self) -> None:
        if self._code:
            self.writer.leaf("code", "\n".join(self._code))
            self._code = []

    def _end_runs(self) -> None:
        self._end_code()
        self._end_list()

    def table(self, element: Any) -> None:
        rows = [_row_cells(row) for row in element.findall(f"{_W}tr")]
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows:
            return
        if max(len(row) for row in rows) == 1:  # a box around paragraphs, not data
            for cell in element.iter(f"{_W}tc"):
                self._children(cell)
                self._end_runs()
            return
        self.writer.open("table")
        first_is_header = _marks_header_row(element)
        for index, cells in enumerate(rows):
            texts = [" ".join(cell.split()) for cell in cells]
            self.writer.leaf(
                "table_row",
                " | ".join(text for text in texts if text),
                header=index == 0 and first_is_header and len(rows) > 1,
            )
        self.writer.close()


def _row_cells(row: Any) -> list[str]:
    """A row's cells' texts; a cell merged across columns counts once."""
    cells = []
    for cell in row.findall(f"{_W}tc"):
        paragraphs = [paragraph_text(p) for p in cell.iter(f"{_W}p")]
        cells.append(" ".join(text for text in paragraphs if text.strip()))
    return cells


def _marks_header_row(table: Any) -> bool:
    """Word marks a header row by repeating it on each page, or by the table style's
    "Header Row" option (on by default for a new table)."""
    first = table.find(f"{_W}tr")
    if first is not None:
        row_properties = first.find(f"{_W}trPr")
        if row_properties is not None and row_properties.find(f"{_W}tblHeader") is not None:
            return True
    look = table.find(f"{_W}tblPr/{_W}tblLook")
    if look is None:
        return False
    first_row = look.get(f"{_W}firstRow")
    if first_row is not None:
        return first_row in ("1", "true", "on")
    flags = look.get(f"{_W}val")
    try:
        return bool(int(flags or "0", 16) & _LOOK_FIRST_ROW)
    except ValueError:
        return False


def _is_table_of_contents(sdt: Any) -> bool:
    """A generated table of contents repeats the headings; it is not text of its own."""
    gallery = sdt.find(f"{_W}sdtPr/{_W}docPartObj/{_W}docPartGallery")
    return gallery is not None and "contents" in gallery.get(f"{_W}val", "").lower()
