"""Markdown -> text and blocks, through markdown-it-py (CommonMark, with GitHub tables).

Why a real parser: a Markdown file read as plain text keeps its hard line wraps, so the
sentence splitter sees each source line as a fragment, and `**`, backticks and link
syntax land in the quoted answer. Parsed, a paragraph is its words (soft breaks are
spaces, inline code its content, links their text), a fenced block is one code block,
lists and tables are blocks, headings give the path.

Raw HTML inside Markdown (README badges, centred logos) is read with the HTML reader's
text rules; YAML front matter is metadata, not text: its `title:` titles the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qa.load.blocks import BlockWriter

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)
_TAG = re.compile(r"<[^>]*>")
# Inline raw HTML whose content a browser never shows: its text is not the document's.
_UNSEEN_OPEN = re.compile(r"<(script|style|template|noscript|iframe|textarea)\b", re.IGNORECASE)


@dataclass(frozen=True)
class MarkdownPage:
    """A Markdown file as read: its text, blocks, and title (front matter or first heading)."""

    text: str
    blocks: tuple[Any, ...]
    title: str | None


def read_markdown(source: str) -> MarkdownPage:
    """Parse Markdown and render it into text and blocks."""
    from markdown_it import MarkdownIt

    title = None
    front = _FRONT_MATTER.match(source)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("'\"") if found else None
        source = source[front.end() :]
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    writer = BlockWriter()
    _render(parser.parse(source), writer)
    text, blocks = writer.result()
    if title is None:  # the top heading; a lower one names a section, not the file
        first = next((b for b in blocks if b.kind == "heading" and b.level == 1), None)
        title = text[first.start : first.end] if first else None
    return MarkdownPage(text, blocks, title)


def _render(tokens: list[Any], writer: BlockWriter) -> None:
    depth = 0
    row: list[str] | None = None
    in_head = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            writer.leaf("heading", _inline(tokens[index + 1]), level=int(token.tag[1]))
            index += 2
        elif kind == "inline" and row is not None:
            row.append(_inline(token).replace("\n", " "))
        elif kind == "inline":
            if writer.in_list_item:
                writer.text(_inline(token))
            else:
                writer.leaf("paragraph", _inline(token))
        elif kind in ("fence", "code_block"):
            writer.leaf("code", token.content)
        elif kind == "html_block":
            _html(token.content, writer)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            writer.open("list")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            writer.close()
        elif kind == "list_item_open":
            writer.open("list_item", level=depth)
        elif kind in ("list_item_close", "blockquote_close", "table_close"):
            writer.close()
        elif kind == "blockquote_open":
            writer.open("quote")
        elif kind == "table_open":
            writer.open("table")
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            writer.leaf("table_row", " | ".join(c for c in row if c), header=in_head)
            row = None
        index += 1


def _inline(token: Any) -> str:
    """An inline token's visible text: emphasis marks and link syntax gone, code kept."""
    parts: list[str] = []
    unseen: str | None = None  # the raw element being skipped, until its closing tag
    for child in token.children or []:
        if unseen is not None:
            if child.type == "html_inline" and child.content.lower().startswith(f"</{unseen}"):
                unseen = None
            continue
        if child.type == "html_inline" and (opened := _UNSEEN_OPEN.match(child.content)):
            unseen = opened.group(1).lower()
            continue
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append("".join(c.content for c in child.children or []))
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
    return re.sub(r"[ \t]+", " ", "".join(parts)).strip()


def _html(markup: str, writer: BlockWriter) -> None:
    """A raw HTML block: its visible text as paragraphs (comments and tags alone vanish)."""
    if not _TAG.sub("", markup).strip():
        return
    from qa.load.html import read_html

    page = read_html(f"<body>{markup}</body>")
    for block in page.blocks:
        if block.kind in ("paragraph", "code", "heading", "table_row", "caption"):
            piece = page.text[block.start : block.end]
            kind = "paragraph" if block.kind in ("heading", "caption") else block.kind
            writer.leaf(kind, piece, header=block.header)
