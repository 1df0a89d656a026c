"""One ASGI app: the REST API at /api and the Gradio chat at /.

Gradio is mounted on our FastAPI app (rather than FastAPI routes added to Gradio's) so the
OpenAPI schema at /openapi.json describes exactly the REST API.
"""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qa import Assistant
from ui.assets import CSS, JS
from ui.rest import rest_router
from ui.sessions import UploadLimits


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
    before they reach a handler; `limits` should be those given to `build_app`.
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
    return gr.mount_gradio_app(
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
