"""Which passages an answer lists as its numbered sources, and each source as shown.

Every answer lists up to `top_k` of the retrieved passages in rank order; a passage an
answer quotes is always among them, even when it ranks lower, so every "[n]" marker names
a listed source. A source carries what the UI shows: its heading path, where code blocks
lie, and the highlighted answer span.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.block_chunking import heading_path
from qa.index import Collection
from qa.retrieve import Candidate
from qa.types import Document, Source


def choose_sources(
    candidates: Sequence[Candidate], cited: list[int], top_k: int
) -> list[tuple[int, Candidate]]:
    """The top_k passages in rank order, making room for cited ones that rank lower."""
    positions = list(range(min(top_k, len(candidates))))
    missing = [p for p in cited if p not in positions]
    if missing:
        keep = [p for p in positions if p in cited]
        others = [p for p in positions if p not in cited]
        room = top_k - len(keep) - len(missing)
        positions = sorted(keep + others[: max(0, room)] + missing)
    return [(p, candidates[p]) for p in positions]


def code_spans(document: Document, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Where code blocks lie inside the passage [start, end), as offsets into it."""
    return tuple(
        (max(b.start, start) - start, min(b.end, end) - start)
        for b in document.blocks
        if b.kind == "code" and b.start < end and b.end > start
    )


def source_of(
    collection: Collection, number: int, candidate: Candidate, span: tuple[int, int] | None
) -> Source:
    """Source `number` for a retrieved passage; `span` is the quoted answer inside it (as
    offsets into the passage), None when the passage is listed without a quote."""
    chunk = candidate.chunk
    document = collection.entry(chunk.doc_id).document
    return Source(
        number=number,
        doc_id=chunk.doc_id,
        title=document.title,
        text=chunk.text,
        path=heading_path(document, chunk.start),
        code=code_spans(document, chunk.start, chunk.end),
        start=chunk.start,
        end=chunk.end,
        score=candidate.score,
        answer_start=span[0] if span else None,
        answer_end=span[1] if span else None,
        dense_rank=candidate.dense_rank,
        lexical_rank=candidate.lexical_rank,
        dense_score=candidate.dense_score,
        lexical_score=candidate.lexical_score,
    )


def nearest(collection: Collection, candidates: Sequence[Candidate], top_k: int) -> list[Source]:
    """The first `top_k` passages as sources without a quote (a refusal's "nearest ones")."""
    return [source_of(collection, n, c, None) for n, c in enumerate(candidates[:top_k], 1)]
