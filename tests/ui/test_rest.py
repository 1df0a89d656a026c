"""The REST router on its own: when every slot is taken, callers are told to retry."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa import Assistant
from ui.rest import rest_router


class BlockingAssistant:
    """Answers only when released, so a test can hold the one slot open."""

    def __init__(self, real: Assistant) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.documents = real.documents

    def ask(self, question: str, **options: Any) -> Any:
        self.entered.set()
        self.release.wait()
        return self.real.ask(question, **options)


def test_a_request_that_finds_no_free_slot_gets_503(fake_assistant: Assistant) -> None:
    blocking = BlockingAssistant(fake_assistant)
    app = FastAPI()
    app.include_router(rest_router(blocking, concurrency=1, busy_wait=0.05))  # type: ignore[arg-type]
    client = TestClient(app)
    first: list[int] = []
    holder = threading.Thread(
        target=lambda: first.append(client.post("/api/ask", json={"question": "Who?"}).status_code)
    )
    holder.start()
    blocking.entered.wait()
    try:
        busy = client.post("/api/ask", json={"question": "Who?"})
        assert busy.status_code == 503
        assert busy.json()["detail"] == (
            "The server is busy answering other questions; retry shortly."
        )
        assert busy.headers["Retry-After"] == "5"
    finally:
        blocking.release.set()
        holder.join()
    assert first == [200]
    assert client.post("/api/ask", json={"question": "Who?"}).status_code == 200
