"""The body limit middleware, driven directly with a tiny ASGI app and scripted messages."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from ui.body_limit import BodyLimitMiddleware, BodyLimits, BodyTooLargeError
from ui.sessions import UploadLimits

LIMITS = BodyLimits(upload_bytes=1000, default_bytes=100)


@dataclass
class Client:
    """One request's side of the conversation: the body in chunks, what came back."""

    chunks: list[bytes]
    pulled: int = 0  # chunks the server side has received
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def receive(self) -> dict[str, Any]:
        if self.pulled == len(self.chunks):
            return {"type": "http.disconnect"}
        self.pulled += 1
        more = self.pulled < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.pulled - 1], "more_body": more}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, as FastAPI does, and answers with it."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def catches_errors(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Turns any error while reading into its own 400, as Gradio's routes do."""
    try:
        await echo(scope, receive, send)
    except Exception:
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"Invalid JSON body."})


def request(
    chunks: list[bytes],
    *,
    path: str = "/api/ask",
    length: int | None = None,
    app: Any = echo,
    limits: BodyLimits = LIMITS,
) -> Client:
    headers = [(b"content-type", b"application/json")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {"type": "http", "method": "POST", "path": path, "root_path": "", "headers": headers}
    client = Client(chunks)
    asyncio.run(BodyLimitMiddleware(app, limits)(scope, client.receive, client.send))
    return client


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body() -> None:
    client = request([b"x" * 101], length=101)
    assert client.status == 413
    assert client.pulled == 0
    assert json.loads(client.body) == {
        "detail": "request body over 100 bytes; questions are short, uploads are limited to "
        "1000 bytes"
    }
    headers = dict(client.sent[0]["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"connection"] == b"close"


def test_a_chunked_body_is_cut_off_once_past_the_limit() -> None:
    client = request([b"x" * 40] * 10)
    assert client.status == 413
    assert client.pulled == 3  # 120 bytes: one chunk past the limit, and no further
    assert b"request body over 100 bytes" in client.body


def test_the_apps_own_reply_to_the_cut_off_is_replaced_by_the_413() -> None:
    client = request([b"x" * 40] * 10, app=catches_errors)
    assert [m["status"] for m in client.sent if m["type"] == "http.response.start"] == [413]
    assert b"Invalid JSON body" not in client.body


def test_a_body_that_outgrows_its_declared_length_is_still_cut_off() -> None:
    client = request([b"x" * 60, b"x" * 60], length=50)
    assert client.status == 413 and client.pulled == 2


@pytest.mark.parametrize("length", [None, 100])
def test_bodies_within_the_limit_pass_through_unchanged(length: int | None) -> None:
    chunks = [b'{"question": ', b'"x' + b"y" * 83 + b'"}']
    assert sum(map(len, chunks)) == 100  # exactly the limit
    client = request(chunks, length=length)
    assert client.status == 200
    assert client.body == b"".join(chunks)


def test_an_empty_body_passes() -> None:
    client = request([b""], length=0)
    assert client.status == 200 and client.body == b""


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload/"])
def test_the_upload_route_has_the_larger_limit(path: str) -> None:
    assert request([b"x" * 1000], path=path, length=1000).status == 200
    assert request([b"x" * 500] * 2, path=path).status == 200
    refused = request([b"x" * 1001], path=path, length=1001)
    assert refused.status == 413 and refused.pulled == 0
    assert json.loads(refused.body)["detail"] == (
        "upload body over 1000 bytes; uploads are limited to 1000 bytes"
    )
    assert request([b"x" * 500] * 3, path=path).status == 413


@pytest.mark.parametrize(
    "path", ["/api/ask", "/gradio_api/queue/join", "/gradio_api/call/ask", "/gradio_api/uploads"]
)
def test_every_other_route_has_the_small_limit(path: str) -> None:
    assert request([b"x" * 101], path=path, length=101).status == 413
    assert request([b"x" * 101], path=path).status == 413


def test_the_root_path_is_not_part_of_the_route() -> None:
    scope = {
        "type": "http",
        "path": "/qa/gradio_api/upload",
        "root_path": "/qa",
        "headers": [(b"content-length", b"500")],
    }
    client = Client([b"x" * 500])
    asyncio.run(BodyLimitMiddleware(echo, LIMITS)(scope, client.receive, client.send))
    assert client.status == 200


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    for kind in ("lifespan", "websocket"):
        asyncio.run(BodyLimitMiddleware(app, LIMITS)({"type": kind}, Client([]).receive, None))
    assert seen == ["lifespan", "websocket"]


def test_errors_that_are_not_the_limit_propagate() -> None:
    async def broken(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        request([b"x"], app=broken)


def test_reading_again_after_the_cut_off_raises_again() -> None:
    errors: list[str] = []

    async def retries(scope: dict[str, Any], receive: Any, send: Any) -> None:
        for _ in range(2):
            try:
                await echo(scope, receive, send)
            except BodyTooLargeError as err:
                errors.append(str(err))

    client = request([b"x" * 60] * 5, app=retries)
    assert client.status == 413 and client.pulled == 2 and len(errors) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"upload_bytes": 0}, r"BodyLimits.upload_bytes must be a positive whole number, got 0\."),
        (
            {"upload_bytes": 10, "default_bytes": 1.5},
            r"BodyLimits.default_bytes must be a positive whole number, got 1\.5\.",
        ),
        ({"upload_bytes": True}, r"BodyLimits.upload_bytes must be .* got True\."),
    ],
)
def test_limits_are_checked(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BodyLimits(**kwargs)


def test_the_upload_limit_holds_a_full_upload_of_the_largest_files() -> None:
    limits = UploadLimits()
    assert limits.max_upload_bytes == 5 * 10 * 1024 * 1024 + 64 * 1024
    assert UploadLimits(max_file_bytes=1024, max_files_per_upload=2).max_upload_bytes == (
        2 * 1024 + 64 * 1024
    )
