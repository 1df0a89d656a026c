"""`serve()`: where it listens, the queue limits it sets, and the question box's length."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from typing import Any

import gradio as gr
import pytest
import uvicorn

import ui.server
from qa import MAX_QUESTION_CHARS, Assistant, cli
from qa.errors import ModelNotAvailableError
from ui import startup
from ui.app import QueueLimits, build_app
from ui.server import serve


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


def test_the_question_box_takes_no_more_than_a_question_may_hold(
    fake_assistant: Assistant,
) -> None:
    demo = build_app(fake_assistant)
    (box,) = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "qa-question"]
    assert isinstance(box, gr.Textbox)
    assert box.max_length == MAX_QUESTION_CHARS
    assert box.get_config()["max_length"] == MAX_QUESTION_CHARS  # what the browser is sent


# ----- starting: the bundled article loads while Gradio imports --------------------------
def test_the_background_load_hands_over_what_open_bundled_made(
    fake_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup, "open_bundled", lambda: fake_assistant)

    assert startup.load_in_background().result(timeout=30) is fake_assistant


def test_a_failed_background_load_raises_where_its_result_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> Assistant:
        raise ModelNotAvailableError("no model here")

    monkeypatch.setattr(startup, "open_bundled", broken)

    with pytest.raises(ModelNotAvailableError, match="no model here"):
        startup.load_in_background().result(timeout=30)


def test_the_loader_does_not_import_gradio() -> None:
    code = "import sys, ui.startup; print('gradio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "False"


def test_qa_serve_serves_the_background_loaded_article(
    fake_assistant: Assistant, runs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Assistant] = []
    monkeypatch.setattr(startup, "open_bundled", lambda: fake_assistant)
    monkeypatch.setattr(ui.server, "serve", lambda assistant, **kw: served.append(assistant))

    assert cli.main(["serve"]) == 0
    assert served == [fake_assistant]


def test_qa_serve_refuses_a_bad_port_without_waiting_for_the_load(
    fake_assistant: Assistant, runs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[bool] = []

    class Loading(Future):  # type: ignore[type-arg]
        def result(self, timeout: float | None = None) -> Assistant:
            waited.append(True)
            return fake_assistant

    monkeypatch.setattr(startup, "load_in_background", Loading)
    monkeypatch.setenv("GRADIO_SERVER_PORT", "not-a-port")

    with pytest.raises(SystemExit, match="GRADIO_SERVER_PORT must be a port number"):
        cli.main(["serve"])
    assert waited == [] and runs == []
