"""Text -> sentence spans: pysbd's sentences, located by exact offsets, and the cuts around it.

Why a module of its own: both chunkers need these, the plain-text one (`qa.chunking`) over
paragraphs and the block one (`qa.block_chunking`) over a structured document's regions,
and `qa.chunking` hands a structured document to `qa.block_chunking`. Here, below both,
neither has to import the other back.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from qa.types import Span

SEGMENTER_PIECE = 4000  # pysbd slows down sharply on very long inputs; feed it pieces
_SENTENCE_FINAL = frozenset(".!?:;…\"'”’)]")
# A line break between a line not ending a sentence and a line going on in lower case.
_SOFT_WRAP = re.compile(r"(?<=[^.!?:;\s])([ \t]*)\n(?=[ \t]*[a-z(])")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def trim(text: str, start: int, end: int) -> list[Span]:
    """[start, end) without its outer whitespace, as a span; none if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []


def pieces(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most `limit` chars, at whitespace where possible."""
    cuts = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut <= start:
            cut = start + limit
        cuts.append((start, cut))
        start = cut
    cuts.append((start, end))
    return cuts


def segment(text: str, start: int, end: int) -> list[Span]:
    """pysbd on one piece; its sentences are located in the text by search, in order.

    pysbd's own `segment()` locates each sentence by compiling a regular expression of it,
    which pushes its ~500 fixed rules out of Python's regex cache: every sentence then
    recompiles dozens of them (XQuAD: 1,707 distinct patterns, 71,764 compiles). Its
    processor gives the same sentences; a plain `find` locates them. Text it skips (seen:
    "?!" alone on a line) becomes a sentence of its own, and a sentence it altered ends the
    piece as one span: no text is ever left out of every sentence.
    """
    piece = _unwrap(text[start:end])
    if not piece:
        return []
    spans: list[Span] = []
    cursor = 0
    for sentence in _segmenter().processor(piece).process():
        stripped = sentence.strip()
        if not stripped:
            continue
        found = piece.find(stripped, cursor)
        if found < 0:  # the segmenter altered the text; keep offsets exact by falling back
            spans.extend(trim(text, start + cursor, end))
            return spans
        if piece[cursor:found].strip():  # text the segmenter skipped stays, as a sentence
            spans.extend(trim(text, start + cursor, start + found))
        spans.append(Span(start + found, start + found + len(stripped)))
        cursor = found + len(stripped)
    if piece[cursor:].strip():
        spans.extend(trim(text, start + cursor, end))
    return _join_unspaced(text, spans)


def _unwrap(piece: str) -> str:
    """`piece` with its soft line wraps as spaces, for the segmenter: same length, so every
    offset found in it holds in the text.

    pysbd ends a sentence at every line break, and hard-wrapped text (plain-text files,
    DocBook's literallayout, e-mail) breaks lines mid-sentence: "support for PowerPC, and"
    / "created a set of ...". A break is a wrap when the next line goes on in lower case
    after a line that did not end a sentence; a line starting otherwise (an item, a
    number, a capital) keeps its break.
    """
    return _SOFT_WRAP.sub(r"\1 ", piece)


def _join_unspaced(text: str, spans: list[Span]) -> list[Span]:
    """A sentence that starts with a letter or digit right after the last one ends, with
    no space between, joined to it: no reader sees a sentence end inside a word.

    pysbd splits "in an .editorconfig file" after the dot, as if "editorconfig" began a
    new sentence; in documentation, names like that are common. A citation mark glued to
    a sentence ("...gas turbines.[citation needed]") is left as it is. Likewise a sentence
    going on in lower case, on the same line, after one that ends without punctuation:
    pysbd takes "within b.js will return" for the start of a list item "b.".
    """
    joined: list[Span] = []
    for span in spans:
        glued = joined and joined[-1].end == span.start
        word = text[span.start].isalnum() or text[span.start] == "_"
        going_on = (
            joined
            and text[span.start].islower()
            and text[joined[-1].end - 1] not in _SENTENCE_FINAL
            and not text[joined[-1].end : span.start].count("\n")
        )
        if (glued and word) or going_on:
            joined[-1] = Span(joined[-1].start, span.end)
        else:
            joined.append(span)
    return joined
