"""Short answers in every served channel: REST /api/ask and gradio_client's /ask return
the phrase with its offsets, and the chat's history keeps it (issue 15)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from gradio_client import Client

from qa import Assistant
from qa.answer.reader import Reading

ARTICLE = (
    "The lighthouse\n"
    "The lighthouse stands on the northern cape. "
    "It was first lit in the winter of 1871. "
    "Its lamp burns paraffin.\n"
)
QUESTION = "When was the lighthouse first lit?"


class PhraseReader:
    """A stand-in reader: the sentences holding `phrase` answer, and it points at it."""

    def __init__(self, phrase: str) -> None:
        self.phrase = phrase

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        out = []
        for text in sentences:
            at = text.find(self.phrase)
            hit = at >= 0
            span = (at, at + len(self.phrase)) if hit else (0, min(3, len(text)))
            out.append(Reading(12.0 if hit else -12.0, span, -0.2 if hit else -9.0))
        return out


@pytest.fixture(scope="module")
def phrase_assistant(module_assistant: Assistant) -> Assistant:
    """The lighthouse note, read by the stand-in reader (the fake encoder of tests/ui)."""
    return Assistant.from_texts(
        [ARTICLE],
        titles=["The lighthouse"],
        embedder=module_assistant.embedder,
        reader=PhraseReader("1871"),
    )


@pytest.fixture(scope="module")
def url(
    phrase_assistant: Assistant, serve_app: Callable[..., AbstractContextManager[str]]
) -> Iterator[str]:
    with serve_app(phrase_assistant) as address:
        yield address


def check_short(body: dict[str, Any]) -> None:
    assert body["short"] == "1871"
    cited = [s for s in body["sources"] if s["short_start"] is not None]
    assert len(cited) == 1
    source = cited[0]
    assert source["text"][source["short_start"] : source["short_end"]] == "1871"
    start = source["start"] + source["short_start"]
    assert ARTICLE[start : start + len("1871")] == "1871"
    assert source["answer_start"] <= source["short_start"] < source["answer_end"]


def test_rest_ask_returns_the_short_answer(url: str) -> None:
    reply = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
    assert reply.status_code == 200
    check_short(reply.json())


def test_rest_short_is_null_for_an_explanation_question(url: str) -> None:
    reply = httpx.post(f"{url}/api/ask", json={"question": "Why was it lit in 1871?"}, timeout=60)
    body = reply.json()
    assert body["short"] is None
    assert all(s["short_start"] is None for s in body["sources"])


def test_the_openapi_schema_names_the_short_answer(url: str) -> None:
    schema = httpx.get(f"{url}/openapi.json", timeout=60).json()["components"]["schemas"]
    assert "short" in schema["AskResponse"]["properties"]
    assert {"short_start", "short_end"} <= set(schema["SourceOut"]["properties"])


def test_gradio_client_ask_returns_the_short_answer(url: str) -> None:
    client = Client(url, verbose=False)
    try:
        check_short(client.predict(QUESTION, api_name="/ask"))
    finally:
        client.close()


def test_the_chat_history_keeps_the_short_answer(phrase_assistant: Assistant) -> None:
    chat = phrase_assistant.chat()
    reply = chat.ask(QUESTION)
    assert reply.short == "1871"
    assert chat.history[-1].answer.short == "1871"
