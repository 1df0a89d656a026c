"""Request bodies capped before they are read: HTTP 413 past a per-route limit.

Why: FastAPI and Gradio read a request body whole before they validate it, so one 200 MB
POST to `/api/ask` was held in memory (twice: the bytes and the parsed JSON) before its 422,
and the process kept the memory afterwards. Questions are short, so every route but the
upload route gets a small limit; the upload route, which streams files to disk, gets one
sized to the upload limits the chat already states.

A pure ASGI middleware rather than a FastAPI dependency, because it must stand in front of
every route, Gradio's mounted app included, and see the body before anyone buffers it. A
declared Content-Length over the limit is refused without reading a byte; a body without one
(chunked) is counted as it streams and cut off once past the limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.sessions import human_size

DEFAULT_BODY_BYTES = 64 * 1024
UPLOAD_PATHS = frozenset({"/gradio_api/upload"})  # Gradio's upload route when mounted at "/"


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body each route accepts.

    Attributes:
        upload_bytes: the limit on the upload routes (a whole multipart request).
        default_bytes: the limit on every other route: questions, Gradio's queue and API.
        upload_paths: the routes that take uploads, as ASGI paths (without the root path).
    """

    upload_bytes: int
    default_bytes: int = DEFAULT_BODY_BYTES
    upload_paths: frozenset[str] = field(default=UPLOAD_PATHS)

    def __post_init__(self) -> None:
        for name in ("upload_bytes", "default_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"BodyLimits.{name} must be a positive whole number, got {value!r}."
                )

    def for_path(self, path: str) -> int:
        """The limit for a request to `path`."""
        return self.upload_bytes if path.rstrip("/") in self.upload_paths else self.default_bytes

    def refusal(self, path: str) -> str:
        """The 413 message for `path`: the limit in bytes and what each kind of request may send."""
        uploads = human_size(self.upload_bytes)
        if path.rstrip("/") in self.upload_paths:
            return f"upload body over {self.upload_bytes} bytes; uploads are limited to {uploads}"
        return (
            f"request body over {self.default_bytes} bytes; questions are short, "
            f"uploads are limited to {uploads}"
        )


class BodyTooLargeError(Exception):
    """Raised from `receive` once a streamed body passes its limit; the middleware answers 413."""


class BodyLimitMiddleware:
    """Answers 413 to any HTTP request whose body is over its route's limit.

    Args:
        app: the ASGI app to protect.
        limits: the limits per route.

    Other scopes (lifespan, websockets) pass through untouched.
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        limit = self.limits.for_path(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, self.limits.refusal(path))
            return

        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                raise BodyTooLargeError(self.limits.refusal(path))
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLargeError(self.limits.refusal(path))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Once refused, whatever the app makes of the error (a 400, a 500) is dropped
            # so that the client is told the real reason.
            if refused and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await _send_413(send, self.limits.refusal(path))


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _content_length(scope: Scope) -> int | None:
    """The declared body length; None when absent or unreadable (the body is then counted)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                # The unread body is not worth draining: the server closes the connection.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
