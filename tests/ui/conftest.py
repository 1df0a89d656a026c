"""Fixtures for the UI tests: the app served in-process on a free 127.0.0.1 port."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from qa import Assistant
from ui.app import build_app
from ui.server import create_server
from ui.sessions import UploadLimits


def _fake_encoder() -> Any:
    """A FakeEncoder from tests/conftest.py, for fixtures wider than one test.

    The root conftest is loaded by path under its own name: test directories are not
    packages, so it cannot be imported as `tests.conftest`, and its `fake_encoder` fixture
    is per test while a served app is shared by a module's tests.
    """
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("_qa_root_conftest", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"Cannot load {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeEncoder()


@contextmanager
def live_server(assistant: Assistant, limits: UploadLimits | None = None) -> Iterator[str]:
    """Serve the whole app (chat and REST) on 127.0.0.1 and yield its URL; stop it after.

    The socket is bound before the server starts, so no other process can take the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_server(
        assistant, build_app(assistant, limits=limits), host="127.0.0.1", port=port, limits=limits
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("The test server stopped during start-up; see the log above.")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


@pytest.fixture(scope="session")
def serve_app() -> Callable[..., AbstractContextManager[str]]:
    """`live_server` for test modules (conftest files cannot be imported by tests)."""
    return live_server


@pytest.fixture(scope="module")
def module_assistant() -> Assistant:
    """The bundled article with the fake encoder, shared by a module's tests (read-only)."""
    return Assistant.default(embedder=_fake_encoder())


@pytest.fixture(scope="module")
def server_url(module_assistant: Assistant) -> Iterator[str]:
    with live_server(module_assistant) as url:
        yield url
