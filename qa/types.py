"""The records that flow through the assistant. All frozen: results can be shared safely."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable


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


BLOCK_KINDS = frozenset(
    {"heading", "paragraph", "list", "list_item", "table", "table_row", "code", "caption", "quote"}
)
# Blocks that hold other blocks; the rest hold only text.
CONTAINER_KINDS = frozenset({"list", "table", "quote"})


@dataclass(frozen=True)
class Block:
    """A structural piece of a document, as a reader sees it: a heading, a paragraph, a list...

    `document.text[start:end]` is the block's text. Containers ("list", "table", "quote")
    come before the blocks inside them, whose spans lie within theirs.

    Attributes:
        kind: one of BLOCK_KINDS.
        start, end: offsets into the document's text.
        level: a heading's level (1-6); a list item's nesting depth (1 = top); else 0.
        path: the headings this block sits under, outermost first ("Chapter", "Section").
            A heading's own path holds the headings above it, not itself.
        header: a table row that is the table's header row.
    """

    kind: str
    start: int
    end: int
    level: int = 0
    path: tuple[str, ...] = ()
    header: bool = False

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"Block kind must be one of {sorted(BLOCK_KINDS)}, got {self.kind!r}.")
        if not 0 <= self.start <= self.end:
            raise ValueError(
                f"Block offsets must satisfy 0 <= start <= end, got {self.start}, {self.end}."
            )


@dataclass(frozen=True)
class Document:
    """A loaded document: its clean text, a title, and where it came from.

    `blocks` is the document's structure when its format has one (HTML, Markdown): empty
    for plain text, which is then read paragraph by paragraph. `site` is the name of the
    site a web page came from, split off its title ("Kinto 4.3.1 documentation").
    """

    id: str
    title: str
    text: str
    source: str = ""  # a file path, or "" for a text given directly
    blocks: tuple[Block, ...] = ()
    site: str = ""

    @property
    def length(self) -> int:
        """Number of characters of text."""
        return len(self.text)

    @cached_property
    def block_starts(self) -> tuple[int, ...]:
        """Each block's start, in block order: found once, bisected for every passage."""
        return tuple(block.start for block in self.blocks)


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
        path: the headings the passage sits under, outermost first ("Install", "Linux");
            empty for a document without structure.
        code: (start, end) offsets inside `text` of code blocks, which are shown as code.
        short_start, short_end: offsets inside `text` of the short answer (`Answer.short`),
            inside the highlighted answer; None when this source holds none.
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
    path: tuple[str, ...] = ()
    code: tuple[tuple[int, int], ...] = ()
    short_start: int | None = None
    short_end: int | None = None

    @property
    def answer(self) -> str:
        """The highlighted answer text inside this passage ("" if none)."""
        if self.answer_start is None or self.answer_end is None:
            return ""
        return self.text[self.answer_start : self.answer_end]

    @property
    def short(self) -> str:
        """The short answer inside this passage ("" if none)."""
        if self.short_start is None or self.short_end is None:
            return ""
        return self.text[self.short_start : self.short_end]


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
        short: the exact phrase that answers ("2001"), verbatim from the cited sentence,
            located by the cited source's `short_start`/`short_end`; None when the reader
            is off or unsure, when the question asks for an explanation ("why", "how
            does"), when the answer is refused, and for answers built of several quotes.
    """

    question: str
    text: str
    found: bool
    confidence: float
    sources: list[Source] = field(default_factory=list)
    short: str | None = None

    @property
    def short_source(self) -> Source | None:
        """The source holding the short answer (None when there is none)."""
        if self.short is None:
            return None
        return next((s for s in self.sources if s.short_start is not None), None)


@dataclass(frozen=True)
class Reading:
    """The reader's view of one sentence.

    Attributes:
        logit: log-odds that the sentence answers the question.
        phrase: character span (inside the sentence) of the best answering phrase.
        phrase_score: the phrase's start + end logit minus the best single-token logits'
            normaliser: a log-probability under the span head, higher is surer.
    """

    logit: float
    phrase: tuple[int, int]
    phrase_score: float

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.logit))))


@runtime_checkable
class SentenceReader(Protocol):
    """What answering needs from a reader; tests pass a small fake with this shape.

    Here rather than beside the reader (qa/answer/reader.py) because a collection holds
    one, and the index layer sits below answering.
    """

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]: ...
