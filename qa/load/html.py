"""HTML -> text and blocks, read as a browser renders the page's main content.

Why our own walker over lxml rather than trafilatura's text: trafilatura keeps a
paragraph's source line breaks (a `<p>` wrapped around inline `<code>` came out as
several "paragraphs", cutting its sentences in half), dropped most code listings with
their captions, and dropped pages whose content is a list of links. A browser's rules
are simple to follow instead: whitespace inside a paragraph collapses to one space,
`<pre>` keeps its lines, `<br>` breaks a line, block elements start a new block.

What is left out is what a reader skips: site chrome, as `qa.load.html_chrome` finds it.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

from qa.load.blocks import BlockWriter
from qa.load.html_chrome import is_chrome, main_content
from qa.types import Block

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details div dl dt fieldset "
    "figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu ol "
    "p pre section summary table tbody td tfoot th thead tr ul".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_WORD_SPLIT = re.compile(r"[-_\s]+")
_SPACE = re.compile(r"\s+")
_LAYOUT_BOXES = 3  # paragraphs or lists in one cell that make a table a page layout
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_BR = "\x01"  # stands for <br> while whitespace collapses; never in cleaned text
_TITLE_SEPARATORS = (" — ", " – ", " - ", " | ", " · ", " :: ", " » ", " « ")
_PERMALINK_TAIL = re.compile(r"\s*[¶#§🔗]\s*$")
_REDIRECT_TEXT = re.compile(r"\bredirect", re.IGNORECASE)
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlPage:
    """A page read as a browser shows it.

    Attributes:
        text: the main content's text.
        blocks: its structure, with offsets into `text`.
        title: the page's own title, the site's name split off; None if it has none.
        site: the site's name from the title ("Kinto 4.3.1 documentation"), or "".
        redirect: where a redirect stub points (its whole content is a move notice), or None.
    """

    text: str
    blocks: tuple[Block, ...]
    title: str | None
    site: str
    redirect: str | None = None


def read_html(markup: str) -> HtmlPage:
    """Parse a page and render its main content into text and blocks."""
    import lxml.html

    # lxml refuses a str that declares its encoding (XHTML's "<?xml ... encoding=...?>"),
    # which DocBook and gtk-doc pages carry: the text is decoded already, so drop it.
    markup = _XML_DECLARATION.sub("", markup, count=1)
    try:
        tree = lxml.html.document_fromstring(markup)
    except Exception:  # lxml raises on empty or hopeless input; that is an empty page
        return HtmlPage("", (), None, "")
    raw_title = _title(tree)
    refresh = _refresh_target(tree)
    root = main_content(tree)
    text, blocks = _render(root)
    if not text.strip() and root.tag != "body":
        body = tree.find(".//body")
        text, blocks = _render(body if body is not None else tree)
    first_heading = next(
        (text[b.start : b.end] for b in blocks if b.kind == "heading" and b.level == 1), None
    )
    title, site = split_site_name(raw_title, first_heading)
    redirect = None
    if len(text) < 1000 and (refresh or (len(text) < 300 and _REDIRECT_TEXT.search(text))):
        redirect = refresh or "another page"
    return HtmlPage(text, blocks, title, site, redirect)


def _render(root: Any) -> tuple[str, tuple[Block, ...]]:
    """The text and blocks of `root`, with the chrome inside it dropped first.

    Only descendants are judged: a page's <html> or <body> often carries class words such
    as "toc-available" or "body-for-nav" that describe the page, not chrome.
    """
    for element in list(root.iterdescendants()):
        if is_chrome(element):
            _drop(element)
    writer = BlockWriter()
    _Walker(writer).block(root)
    return writer.result()


def split_site_name(title: str | None, heading: str | None) -> tuple[str | None, str]:
    """(page title, site name): "Running in production — Kinto docs" -> both parts.

    The split is made only when one side of a separator is the page's first heading, so
    a title whose dash is part of its words ("Python 3 - What's new" with no such
    heading) stays whole.
    """
    if not title:
        return (heading or None), ""
    if not heading:
        return title, ""
    wanted = _SPACE.sub(" ", heading).strip().casefold()
    for separator in _TITLE_SEPARATORS:
        if separator not in title:
            continue
        for cut in _find_all(title, separator):
            before, after = title[:cut].strip(), title[cut + len(separator) :].strip()
            if before.casefold() == wanted and after:
                return before, after
            if after.casefold() == wanted and before:
                return after, before
    return title, ""


def _find_all(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def _title(tree: Any) -> str | None:
    found = tree.find(".//title")
    if found is None:
        return None
    text = _SPACE.sub(" ", html_lib.unescape(found.text_content() or "")).strip()
    return text or None


def _refresh_target(tree: Any) -> str | None:
    for meta in tree.iter("meta"):
        if str(meta.get("http-equiv", "")).lower() == "refresh":
            match = _REFRESH.search(str(meta.get("content", "")))
            return match.group(1).strip() if match else "another page"
    return None


def _drop(element: Any) -> None:
    """Remove an element but keep its tail, which belongs to the surrounding text."""
    if element.getparent() is not None:
        element.drop_tree()


class _Walker:
    """Renders an element tree into a BlockWriter, following a browser's block rules."""

    def __init__(self, writer: BlockWriter) -> None:
        self.writer = writer
        self.inline: list[str] = []
        self.depth = 0  # list nesting

    # ----- the flow of inline text -----------------------------------------------------------
    def flush(self, kind: str = "paragraph") -> None:
        text = _collapse("".join(self.inline))
        self.inline = []
        if not text:
            return
        if self.writer.in_list_item:
            self.writer.text(text)
        else:
            self.writer.leaf(kind, text)

    def children(self, element: Any) -> None:
        if element.text:
            self.inline.append(element.text)
        for child in element:
            self.node(child)
            if child.tail:
                self.inline.append(child.tail)

    def node(self, element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag == "br":
            self.inline.append(_BR)
        elif tag in _BLOCK_TAGS:
            self.flush()
            self.block(element)
        else:
            self.children(element)

    # ----- blocks ------------------------------------------------------------------------------
    def block(self, element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        writer = self.writer
        if tag in _HEADINGS:
            text = _PERMALINK_TAIL.sub("", _collapse(_inline_text(element)))
            writer.leaf("heading", text, level=_HEADINGS[tag])
        elif tag == "pre":
            writer.leaf("code", "".join(_all_text(element)))
        elif tag in ("ul", "ol", "menu", "dl"):
            self.list(element)
        elif tag == "table" and _is_layout(element):
            for row in _rows(element):  # a page laid out in a table: its cells are boxes
                for cell in row:
                    self.node(cell)
                    self.flush()
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            writer.open("quote")
            self.children(element)
            self.flush()
            writer.close()
        elif tag in ("figcaption", "caption") or _is_caption(element):
            writer.leaf("caption", _collapse(_inline_text(element)))
        elif tag in ("p", "summary", "legend", "address"):
            self.children(element)
            self.flush()
        else:  # div, section, figure...: a box of blocks and loose text
            self.children(element)
            self.flush()

    def list(self, element: Any) -> None:
        writer = self.writer
        writer.open("list")
        self.depth += 1
        for child in element:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag in ("li", "dt", "dd"):
                writer.open("list_item", level=self.depth)
                self.children(child)
                self.flush()
                writer.close()
            else:
                self.node(child)
                self.flush()
        self.depth -= 1
        writer.close()

    def table(self, element: Any) -> None:
        writer = self.writer
        writer.open("table")
        caption = element.find("caption")
        if caption is not None:
            writer.leaf("caption", _collapse(_inline_text(caption)))
        for row in _rows(element):
            cells = [c for c in row if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
            texts = [_collapse(_inline_text(c)).replace("\n", " ") for c in cells]
            header = bool(cells) and (
                all(c.tag.lower() == "th" for c in cells) or _inside_tag(row, "thead", element)
            )
            writer.leaf("table_row", " | ".join(t for t in texts if t), header=header)
        writer.close()


def _is_layout(table: Any) -> bool:
    """A table used to lay out a page, not to hold data: role="presentation", or a cell
    holding a table, a heading, or several paragraphs and lists (older sites, gtk-doc and
    libxml-style pages wrap the menu and the whole text in one). A browser shows such
    cells as boxes of paragraphs; read as rows, a page would become one long "row"."""
    if str(table.get("role", "")).lower() in ("presentation", "none"):
        return True
    for row in _rows(table):
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            if any(True for _ in cell.iter("table", "h1", "h2", "h3", "h4", "h5", "h6")):
                return True
            boxes = sum(1 for _ in cell.iter("p", "ul", "ol", "dl", "pre", "blockquote"))
            if boxes >= _LAYOUT_BOXES:
                return True
    return False


def _rows(table: Any) -> list[Any]:
    """The rows of this table, not of tables nested in its cells."""
    rows = []
    for row in table.iter("tr"):
        owner = row.getparent()
        while owner is not None and owner.tag != "table":
            owner = owner.getparent()
        if owner is table:
            rows.append(row)
    return rows


def _inside_tag(element: Any, tag: str, stop: Any) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _is_caption(element: Any) -> bool:
    classes = _WORD_SPLIT.split(str(element.get("class", "")).lower())
    return "caption" in classes and element.find(".//pre") is None


def _inline_text(element: Any) -> str:
    """An element's text as inline flow: <br> kept as a line break, the rest joined."""
    parts: list[str] = []

    def visit(node: Any) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag.lower() == "br":
                parts.append(_BR)
            elif isinstance(child.tag, str) and child.tag.lower() in _BLOCK_TAGS:
                parts.append(" ")
                visit(child)
                parts.append(" ")
            else:
                visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(element)
    return "".join(parts)


def _all_text(element: Any) -> list[str]:
    """Every piece of text under an element, verbatim (for <pre>)."""
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and child.tag.lower() == "br":
            parts.append("\n")
        else:
            parts.extend(_all_text(child))
        if child.tail:
            parts.append(child.tail)
    return parts


def _collapse(text: str) -> str:
    """A browser's white-space rule for normal text: any run of blanks is one space.

    Zero-width spaces (used as invisible anchors) go; each <br> becomes a line break.
    """
    text = text.replace("\u200b", "").replace("\ufeff", "")
    lines = (_SPACE.sub(" ", line).strip() for line in text.split(_BR))
    return "\n".join(line for line in lines if line)
