"""One ASGI app: the REST API at /api and the Gradio chat at /; and running it.

The layer above `ui.app` (the chat's layout): `create_server` mounts the chat beside the REST
API, `serve` runs the whole app until interrupted, `running` in a background thread.

Usage:
    from ui.server import serve
    serve()                                   # the bundled article on 127.0.0.1:7860

Gradio is mounted on our FastAPI app (rather than FastAPI routes added to Gradio's) so the
OpenAPI schema at /openapi.json describes exactly the REST API.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qa import Assistant, open_bundled
from ui.app import build_app
from ui.assets import CSS, JS
from ui.body_limit import BodyLimitMiddleware, BodyLimits
from ui.rest import rest_router
from ui.sessions import UploadLimits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def create_server(
    assistant: Assistant,
    blocks: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    api_concurrency: int = 2,
    limits: UploadLimits | None = None,
) -> FastAPI:
    """The whole server, ready for uvicorn.

    No `allowed_paths`: the only files the server hands out are Gradio's upload cache, never
    the index directory or the working directory. Gradio refuses files over the size limit
    before they reach a handler; `limits` should be those given to `build_app`. Request
    bodies are capped on every route (`ui.body_limit`): 64 KB, and on the upload route
    `limits.max_upload_bytes`.
    """
    limits = limits or UploadLimits()
    app = FastAPI(
        title="qa-assistant",
        summary="Answers questions from documents with cited, highlighted sources.",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.include_router(rest_router(assistant, concurrency=api_concurrency))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input back; input holding a lone surrogate
        # cannot be encoded and would turn a 422 into a 500.
        detail = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    # Gradio checks that files named in a request lie in its upload cache only once its
    # Blocks count as launched, which mounting (unlike launch()) never sets: without this
    # a request could name any server file and have it read (CVE-2024-1728 class).
    blocks.has_launched = True
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        server_name=host,
        server_port=port,
        footer_links=["api"],
        max_file_size=limits.max_file_bytes,
        ssr_mode=False,
        mcp_server=False,
        css=CSS,
        js=JS,
    )
    # Outside every route, Gradio's included: a body over its limit is refused before any
    # of them reads it into memory.
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits(upload_bytes=limits.max_upload_bytes))
    return app


@contextmanager
def running(assistant: Assistant, limits: UploadLimits | None = None) -> Iterator[str]:
    """Serve the whole app (chat and REST) on a free 127.0.0.1 port in a background thread;
    yields its URL and stops the server afterwards.

    For notebooks, other programs and tests. The socket is bound before the server
    starts, so no other process can take the port in between.
    """
    import uvicorn

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
            raise RuntimeError("The server stopped during start-up; see the log above.")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


def serve(
    assistant: Assistant | None = None, host: str | None = None, port: int | None = None
) -> None:
    """Run the chat and the REST API until interrupted.

    Args:
        assistant: what to answer from; by default the bundled article with the bundled model.
        host: interface to bind; default $GRADIO_SERVER_NAME, else 127.0.0.1 (local only).
        port: default $GRADIO_SERVER_PORT, else 7860.
    """
    import uvicorn

    host = host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    port = port or port_from_env()
    if assistant is None:
        assistant = open_bundled()
    app = create_server(assistant, build_app(assistant), host=host, port=port)
    print(f"qa-assistant chat on http://{host}:{port}  (REST API: POST /api/ask)")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


def port_from_env() -> int:
    """$GRADIO_SERVER_PORT, else 7860; a bad value exits with a message naming it."""
    raw = os.environ.get("GRADIO_SERVER_PORT")
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"GRADIO_SERVER_PORT must be a port number, got {raw!r}.") from None
    if not 0 < port < 65536:
        raise SystemExit(f"GRADIO_SERVER_PORT must be between 1 and 65535, got {port}.")
    return port
