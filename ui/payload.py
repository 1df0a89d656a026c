"""Answers as plain JSON-able dicts, the one shape both the Gradio `/ask` endpoint and the
REST API return, so the two APIs cannot drift apart."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qa.types import Answer, Source


def shown_sources(answer: Answer) -> list[Source]:
    """The answer's sources, with phrase offsets only when the answer has a short answer.

    Why: an answer merged from several quotes (a list question) has no short answer, but
    its sources may still carry the offsets each part had.
    """
    if answer.short is not None:
        return list(answer.sources)
    return [replace(s, short_start=None, short_end=None) for s in answer.sources]


def source_payload(source: Source) -> dict[str, Any]:
    """One source: the passage, its offsets in the document and inside the passage.

    `start`/`end` index the document's text; `answer_start`/`answer_end` index `text`
    (None when the passage holds no part of the answer), and so do `short_start`/`short_end`,
    the short answer's place (None when this passage does not hold it).
    """
    return {
        "number": source.number,
        "doc_id": source.doc_id,
        "title": source.title,
        "path": list(source.path),
        "code": [list(span) for span in source.code],
        "text": source.text,
        "start": source.start,
        "end": source.end,
        "score": source.score,
        "answer": source.answer,
        "answer_start": source.answer_start,
        "answer_end": source.answer_end,
        "short_start": source.short_start,
        "short_end": source.short_end,
        "dense_rank": source.dense_rank,
        "lexical_rank": source.lexical_rank,
        "dense_score": source.dense_score,
        "lexical_score": source.lexical_score,
    }


def answer_payload(answer: Answer) -> dict[str, Any]:
    """The whole reply: the short answer (or None), text with "[n]" markers, found,
    confidence and numbered sources."""
    return {
        "question": answer.question,
        "short": answer.short,
        "text": answer.text,
        "found": answer.found,
        "confidence": answer.confidence,
        "sources": [source_payload(s) for s in shown_sources(answer)],
    }
