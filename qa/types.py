"""The records that flow through the assistant. All frozen: results can be shared safely."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field


def content_id(text: str) -> str:
    """A stable id from a document's text, so adding the same content twice is harmless.

    NFC-normalised first: the same words typed with composed or decomposed accents are one
    document.
    """
    normal = unicodedata.normalize("NFC", text)
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Span:
    """Character offsets [start, end) into a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A loaded document: its clean text, a title, and where it came from."""

    id: str
    title: str
    text: str
    source: str = ""  # a file path, or "" for a text given directly

    @property
    def length(self) -> int:
        """Number of characters of text."""
        return len(self.text)


@dataclass(frozen=True)
class Chunk:
    """A passage: consecutive sentences of one document, with exact offsets.

    `document.text[start:end] == text` always holds; `first_sentence` and `last_sentence`
    index the document's sentence list (inclusive), which answering uses.
    """

    doc_id: str
    index: int  # position among the document's chunks
    start: int
    end: int
    text: str
    first_sentence: int
    last_sentence: int

    @property
    def id(self) -> str:
        """Unique within a collection: the document id and the chunk's position."""
        return f"{self.doc_id}:{self.index}"


@dataclass(frozen=True)
class Source:
    """A numbered passage shown to the user as evidence.

    Attributes:
        number: the citation number, as used by markers like "[1]" in `Answer.text`.
        doc_id, title: the document the passage comes from.
        text: the passage, equal to `document.text[start:end]`.
        score: the fused retrieval score, higher is better (comparable within one query).
        answer_start, answer_end: offsets of the answer inside `text`, or None when this
            passage holds no part of the answer.
        dense_rank, lexical_rank: 1-based ranks in the two retrievers (None: not in the list).
    """

    number: int
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    answer_start: int | None = None
    answer_end: int | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None

    @property
    def answer(self) -> str:
        """The highlighted answer text inside this passage ("" if none)."""
        if self.answer_start is None or self.answer_end is None:
            return ""
        return self.text[self.answer_start : self.answer_end]


@dataclass(frozen=True)
class Answer:
    """The reply to one question.

    Attributes:
        question: the question as asked.
        text: the answer sentence(s), verbatim from the documents, with citation markers
            like "[1]" that always name an entry of `sources`; when `found` is False, a
            plain reply saying the documents don't contain the answer.
        found: False when the evidence is too weak to answer.
        confidence: 0..1, the calibrated belief that `text` answers the question.
        sources: the passages cited (and, when not found, the nearest ones), numbered from 1.
    """

    question: str
    text: str
    found: bool
    confidence: float
    sources: list[Source] = field(default_factory=list)
