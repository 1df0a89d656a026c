"""A small REST API over the shared assistant: `POST /api/ask`.

Why next to the Gradio endpoint: scripts and other services want plain JSON over HTTP with
an OpenAPI schema, without a Gradio client. Answers have the same shape as `/ask`'s.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from qa import Assistant
from qa.errors import QuestionError, UnknownDocumentError
from qa.limits import MAX_QUESTION_CHARS, MAX_TOP_K
from ui.payload import answer_payload

BUSY_WAIT_SECONDS = 30.0


class AskRequest(BaseModel):
    """A question, how many sources to return, and optionally which documents to search."""

    question: str = Field(
        ..., max_length=MAX_QUESTION_CHARS, examples=["What did Putin say about external forces?"]
    )
    top_k: int = Field(3, ge=1, le=MAX_TOP_K, description="How many numbered sources to return.")
    documents: list[str] | None = Field(None, description="Restrict to these document ids.")


class SourceOut(BaseModel):
    """A numbered source; `start`/`end` index the document, `answer_*` and `short_*` index
    `text`."""

    number: int
    doc_id: str
    title: str
    path: list[str]
    code: list[list[int]]
    text: str
    start: int
    end: int
    score: float
    answer: str
    answer_start: int | None
    answer_end: int | None
    short_start: int | None = None
    short_end: int | None = None
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float | None
    lexical_score: float | None


class AskResponse(BaseModel):
    """The short answer (the exact phrase, or None), the answer text with "[n]" markers,
    whether it was found, confidence and sources."""

    question: str
    short: str | None = Field(None, examples=["2001"])
    text: str
    found: bool
    confidence: float
    sources: list[SourceOut]


class DocumentOut(BaseModel):
    id: str
    title: str
    length: int


def rest_router(
    assistant: Assistant, *, concurrency: int = 2, busy_wait: float = BUSY_WAIT_SECONDS
) -> APIRouter:
    """Routes under /api.

    At most `concurrency` questions run at once; a request that has waited `busy_wait`
    seconds for a turn gets 503 and a message to retry, rather than hanging.
    """
    router = APIRouter(prefix="/api", tags=["questions"])
    slots = threading.BoundedSemaphore(concurrency)

    @router.post(
        "/ask",
        response_model=AskResponse,
        responses={
            413: {"description": "Request body over 64 KB (ui.body_limit); refused unread"},
            422: {"description": "Unusable question, top_k or document id"},
            503: {"description": "Busy; retry shortly"},
        },
    )
    def ask(request: AskRequest) -> dict[str, Any]:
        """Answer a question from the documents, with cited sources and their offsets."""
        if not slots.acquire(timeout=busy_wait):
            raise HTTPException(
                503,
                "The server is busy answering other questions; retry shortly.",
                headers={"Retry-After": "5"},
            )
        try:
            reply = assistant.ask(
                request.question, top_k=request.top_k, documents=request.documents
            )
        except (QuestionError, UnknownDocumentError) as err:
            raise HTTPException(422, str(err)) from err
        finally:
            slots.release()
        return answer_payload(reply)

    @router.get("/documents", response_model=list[DocumentOut])
    def documents() -> list[dict[str, Any]]:
        """The documents the API answers from."""
        return [{"id": d.id, "title": d.title, "length": d.length} for d in assistant.documents]

    return router
