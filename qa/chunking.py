"""Document -> sentences -> passages (windows of consecutive sentences) with exact offsets.

Sentences come from pysbd, a rule-based segmenter that needs no download and keeps
"Aug. 25, 2021 (EIRNS)—China's President" and "the U.S. failure" whole. Windows never cross
a paragraph break: a paragraph is a unit of meaning, and a passage that straddles two
topics embeds poorly.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from qa.types import Chunk, Document, Span

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Bumped whenever the same text and settings would give other sentences or passages, so
# a cached index (qa/store/cache.py) built by an older cutter is rebuilt, not reused.
CUTTER_VERSION = 3
_SEGMENTER_PIECE = 4000  # pysbd slows down sharply on very long inputs; feed it pieces
_SENTENCE_FINAL = frozenset(".!?:;…\"'”’)]")
# A line break between a line not ending a sentence and a line going on in lower case.
_SOFT_WRAP = re.compile(r"(?<=[^.!?:;\s])([ \t]*)\n(?=[ \t]*[a-z(])")


@dataclass(frozen=True)
class ChunkingConfig:
    """How documents are cut into passages.

    Attributes:
        max_chars: a window grows sentence by sentence up to this length (one long sentence
            may exceed it up to `max_sentence_chars`).
        overlap_sentences: sentences shared by consecutive windows of a paragraph, so an
            answer on a boundary is whole in at least one of them.
        max_sentence_chars: longer "sentences" (lists, text without punctuation) are cut at
            a space; the embedder only reads ~256 word pieces anyway. Capped at max_chars.
    """

    max_chars: int = 1000
    overlap_sentences: int = 1
    max_sentence_chars: int = 600

    def __post_init__(self) -> None:
        if self.max_chars < 50:
            raise ValueError(f"max_chars must be at least 50, got {self.max_chars}.")
        if self.overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be 0 or more, got {self.overlap_sentences}.")
        if self.max_sentence_chars < 20:
            raise ValueError(
                f"max_sentence_chars must be at least 20, got {self.max_sentence_chars}."
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def paragraph_spans(text: str) -> list[Span]:
    """Spans of the paragraphs of `text` (separated by blank lines), whitespace trimmed."""
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_trim(text, position, end))
        position = match.end() if match else len(text)
    return spans


def _trim(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []


def _pieces(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most `limit` chars, at whitespace where possible."""
    pieces = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut <= start:
            cut = start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def sentence_spans(text: str, config: ChunkingConfig | None = None) -> list[Span]:
    """Spans of every sentence in `text`, in order; none crosses a paragraph break.

    Each span is trimmed of surrounding whitespace, so `text[span.start:span.end]` is the
    sentence as a reader would quote it.
    """
    config = config or ChunkingConfig()
    spans: list[Span] = []
    for paragraph in paragraph_spans(text):
        for piece_start, piece_end in _pieces(
            text, paragraph.start, paragraph.end, _SEGMENTER_PIECE
        ):
            for span in _segment(text, piece_start, piece_end):
                limit = min(config.max_sentence_chars, config.max_chars)
                for start, end in _pieces(text, span.start, span.end, limit):
                    spans.extend(_trim(text, start, end))
    return spans


def _segment(text: str, start: int, end: int) -> list[Span]:
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
            spans.extend(_trim(text, start + cursor, end))
            return spans
        if piece[cursor:found].strip():  # text the segmenter skipped stays, as a sentence
            spans.extend(_trim(text, start + cursor, start + found))
        spans.append(Span(start + found, start + found + len(stripped)))
        cursor = found + len(stripped)
    if piece[cursor:].strip():
        spans.extend(_trim(text, start + cursor, end))
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


def chunk_document(
    document: Document, config: ChunkingConfig | None = None
) -> tuple[list[Span], list[Chunk]]:
    """Cut a document into sentence windows (from its blocks when it has structure).

    Returns:
        (sentences, chunks): every sentence span, and the passages built from them; each
        chunk satisfies `document.text[chunk.start:chunk.end] == chunk.text`.
    """
    config = config or ChunkingConfig()
    text = document.text
    if document.blocks:
        from qa.block_chunking import sentences_and_windows

        sentences, windows = sentences_and_windows(
            document, config.max_chars, config.max_sentence_chars, config.overlap_sentences
        )
    else:
        sentences = sentence_spans(text, config)
        windows = _windows(text, sentences, config)
    chunks: list[Chunk] = []
    for first, last in windows:
        start, end = sentences[first].start, sentences[last].end
        chunks.append(
            Chunk(
                doc_id=document.id,
                index=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
                first_sentence=first,
                last_sentence=last,
            )
        )
    return sentences, chunks


def _windows(text: str, sentences: list[Span], config: ChunkingConfig) -> list[tuple[int, int]]:
    """(first, last) sentence indexes of each window, paragraph by paragraph."""
    windows: list[tuple[int, int]] = []
    for group in _paragraph_groups(text, sentences):
        first = group[0]
        group_end = group[-1]
        while True:
            last = first
            while (
                last < group_end
                and sentences[last + 1].end - sentences[first].start <= config.max_chars
            ):
                last += 1
            windows.append((first, last))
            if last >= group_end:
                break
            first = max(first + 1, last + 1 - config.overlap_sentences)
    return windows


def _paragraph_groups(text: str, sentences: list[Span]) -> list[list[int]]:
    groups: list[list[int]] = []
    for index, span in enumerate(sentences):
        if index and _PARAGRAPH_BREAK.search(text, sentences[index - 1].end, span.start):
            groups.append([index])
        elif groups:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups
