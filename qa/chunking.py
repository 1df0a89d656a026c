"""Document -> sentences -> passages (windows of consecutive sentences) with exact offsets.

Sentences come from pysbd (`qa.sentences`), a rule-based segmenter that needs no download and keeps
"Aug. 25, 2021 (EIRNS)—China's President" and "the U.S. failure" whole. Windows never cross
a paragraph break: a paragraph is a unit of meaning, and a passage that straddles two
topics embeds poorly.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from qa.block_chunking import sentences_and_windows
from qa.sentences import SEGMENTER_PIECE, pieces, segment, trim
from qa.types import Chunk, Document, Span

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Bumped whenever the same text and settings would give other sentences or passages, so
# a cached index (qa/store/cache.py) built by an older cutter is rebuilt, not reused.
CUTTER_VERSION = 3


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


def paragraph_spans(text: str) -> list[Span]:
    """Spans of the paragraphs of `text` (separated by blank lines), whitespace trimmed."""
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(trim(text, position, end))
        position = match.end() if match else len(text)
    return spans


def sentence_spans(text: str, config: ChunkingConfig | None = None) -> list[Span]:
    """Spans of every sentence in `text`, in order; none crosses a paragraph break.

    Each span is trimmed of surrounding whitespace, so `text[span.start:span.end]` is the
    sentence as a reader would quote it.
    """
    config = config or ChunkingConfig()
    spans: list[Span] = []
    for paragraph in paragraph_spans(text):
        for piece_start, piece_end in pieces(text, paragraph.start, paragraph.end, SEGMENTER_PIECE):
            for span in segment(text, piece_start, piece_end):
                limit = min(config.max_sentence_chars, config.max_chars)
                for start, end in pieces(text, span.start, span.end, limit):
                    spans.extend(trim(text, start, end))
    return spans


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
