"""`serve()`: where it listens, and the queue limits it sets."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from qa import Assistant
from ui.app import QueueLimits, build_app, serve


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record uvicorn.run calls instead of serving."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    return calls


def test_serve_defaults_to_localhost_7860(fake_assistant: Assistant, runs: list[Any]) -> None:
    serve(fake_assistant)
    assert runs[0]["host"] == "127.0.0.1" and runs[0]["port"] == 7860


def test_serve_honours_gradio_environment_variables(
    fake_assistant: Assistant, runs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    serve(fake_assistant)
    assert runs[0]["host"] == "0.0.0.0" and runs[0]["port"] == 8123
    serve(fake_assistant, host="127.0.0.1", port=9000)
    assert runs[1]["host"] == "127.0.0.1" and runs[1]["port"] == 9000


@pytest.mark.parametrize(
    ("value", "message"),
    [("web", "must be a port number, got 'web'"), ("70000", "between 1 and 65535, got 70000")],
)
def test_a_bad_port_variable_stops_with_a_message(
    fake_assistant: Assistant,
    runs: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv("GRADIO_SERVER_PORT", value)
    with pytest.raises(SystemExit, match=message):
        serve(fake_assistant)
    assert runs == []


def test_the_queue_has_explicit_limits(fake_assistant: Assistant) -> None:
    demo = build_app(fake_assistant, queue=QueueLimits(concurrency=3, max_size=7, indexing=1))
    assert demo._queue.max_size == 7
    assert demo._queue.default_concurrency_limit == 3
    upload = next(fn for fn in demo.fns.values() if fn.api_name == "upload")
    assert upload.concurrency_limit == 1
