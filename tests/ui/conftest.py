"""Fixtures for the UI tests: the app served in-process on a free 127.0.0.1 port."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from qa import Assistant
from ui.server import running


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


live_server = running  # one implementation, in ui/server.py


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
