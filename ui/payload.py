"""Answers as plain JSON-able dicts, the one shape both the Gradio `/ask` endpoint and the
REST API return, so the two APIs cannot drift apart."""

from __future__ import annotations

from typing import Any

from qa.types import Answer, Source


def source_payload(source: Source) -> dict[str, Any]:
    """One source: the passage, its offsets in the document and inside the passage.

    `start`/`end` index the document's text; `answer_start`/`answer_end` index `text`
    (None when the passage holds no part of the answer).
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
        "dense_rank": source.dense_rank,
        "lexical_rank": source.lexical_rank,
        "dense_score": source.dense_score,
        "lexical_score": source.lexical_score,
    }


def answer_payload(answer: Answer) -> dict[str, Any]:
    """The whole reply: text with "[n]" markers, found, confidence and numbered sources."""
    return {
        "question": answer.question,
        "text": answer.text,
        "found": answer.found,
        "confidence": answer.confidence,
        "sources": [source_payload(s) for s in answer.sources],
    }
