"""The Gradio chat: layout and wiring. Logic lives in `ui.handlers`, HTML in `ui.render`.

Layout only: serving it (with the REST API, on a port) is `ui.server`'s, the layer above,
which imports this module and never the other way round.

Usage:
    from ui.app import build_app
    demo = build_app(assistant)               # the Blocks alone; ui.server.serve() runs it all
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from qa import MAX_QUESTION_CHARS, Assistant
from ui import render
from ui.handlers import (
    ALL_DOCUMENTS,
    EXAMPLE_QUESTIONS,
    SCOPES,
    Handlers,
    document_choices,
)
from ui.sessions import UploadLimits

SESSION_TTL_SECONDS = 3 * 60 * 60  # an idle session's uploads are freed after this


@dataclass(frozen=True)
class QueueLimits:
    """How much work the server takes on at once.

    Attributes:
        concurrency: questions answered at the same time (the model is CPU-bound, so about
            the number of cores).
        max_size: requests that may wait; beyond that a user is told the server is busy.
        indexing: uploads indexed at the same time (each one keeps the CPU busy).
    """

    concurrency: int = 2
    max_size: int = 64
    indexing: int = 1


@dataclass(frozen=True)
class _ChatColumn:
    chatbot: gr.Chatbot
    question: gr.Textbox
    ask: gr.Button
    examples: list[gr.Button]
    clear: gr.Button


@dataclass(frozen=True)
class _SideColumn:
    sources: gr.HTML
    documents: gr.CheckboxGroup
    scope: gr.Radio
    remove: gr.Button
    upload: gr.File
    upload_report: gr.HTML
    top_k: gr.Slider
    details: gr.Checkbox
    reader: gr.Checkbox


def build_app(
    assistant: Assistant,
    *,
    limits: UploadLimits | None = None,
    queue: QueueLimits | None = None,
) -> gr.Blocks:
    """The chat UI over `assistant`, which is shared read-only by every browser session.

    Each session gets its own history and, once it uploads or removes a document, its own
    fork of the collection. The named endpoint `/ask` answers over the shared documents.
    """
    limits = limits or UploadLimits()
    queue = queue or QueueLimits()
    handlers = Handlers(assistant, limits)

    with gr.Blocks(title="qa-assistant: ask the documents") as demo:
        session = gr.State(None, time_to_live=SESSION_TTL_SECONDS)
        gr.Markdown("## Ask the documents\nAnswers are quoted from the documents, with sources.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat = _chat_column(handlers)
            with gr.Column(scale=2, min_width=300):
                side = _side_column(assistant, limits)
        _wire(handlers, session, chat, side, queue=queue)
        gr.api(handlers.api_ask, api_name="ask", api_description="Answer a question with sources.")

    demo.queue(default_concurrency_limit=queue.concurrency, max_size=queue.max_size)
    return demo


def _chat_column(handlers: Handlers) -> _ChatColumn:
    chatbot = gr.Chatbot(
        value=[handlers.session(None).welcome()],
        label="Chat",
        elem_id="qa-chat",
        height=520,
        render_markdown=False,  # our HTML is escaped; Markdown could add images
        sanitize_html=True,
        buttons=["copy"],
        layout="bubble",
        group_consecutive_messages=False,
    )
    with gr.Row():
        question = gr.Textbox(
            placeholder="Ask a question about the documents",
            show_label=False,
            elem_id="qa-question",
            max_lines=4,
            max_length=MAX_QUESTION_CHARS,  # the browser stops typing there
            scale=5,
            min_width=200,
        )
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=70)
    with gr.Row(elem_id="qa-examples"):
        examples = [
            gr.Button(q, size="sm", variant="secondary", min_width=120) for q in EXAMPLE_QUESTIONS
        ]
    clear = gr.Button("Clear chat", size="sm", elem_id="qa-clear")
    return _ChatColumn(chatbot, question, ask, examples, clear)


def _side_column(assistant: Assistant, limits: UploadLimits) -> _SideColumn:
    sources = gr.HTML(render.sources_html(None, 0), elem_id="qa-sources-panel", js_on_load=None)
    with gr.Accordion("Documents", open=True):
        documents = gr.CheckboxGroup(
            choices=document_choices(assistant),
            value=[],
            label="Loaded documents (check to select)",
            elem_id="qa-documents",
        )
        scope = gr.Radio(SCOPES, value=ALL_DOCUMENTS, label="Ask", elem_id="qa-scope")
        remove = gr.Button("Remove checked", size="sm", elem_id="qa-remove")
        upload = gr.File(
            file_count="multiple",
            file_types=list(limits.suffixes),
            label=(
                f"Upload {', '.join(limits.suffixes)} (at most "
                f"{limits.max_file_text} each, {limits.max_files_per_upload} at a time)"
            ),
            elem_id="qa-upload",
        )
        upload_report = gr.HTML("", elem_id="qa-upload-report")
    with gr.Accordion("Settings", open=False):
        top_k = gr.Slider(1, 10, value=3, step=1, label="Number of sources")
        details = gr.Checkbox(
            False, label="Show retrieval details (dense rank, lexical rank, fused score)"
        )
        has_reader = assistant.reader is not None
        reader = gr.Checkbox(
            has_reader,
            label=(
                "Answer with the trained reader (more accurate, slower)"
                if has_reader
                else "Trained reader: off (QA_READER=off)"
            ),
            interactive=has_reader,
            elem_id="qa-reader",
        )
    return _SideColumn(
        sources, documents, scope, remove, upload, upload_report, top_k, details, reader
    )


def _wire(
    handlers: Handlers,
    session: gr.State,
    chat: _ChatColumn,
    side: _SideColumn,
    *,
    queue: QueueLimits,
) -> None:
    """Every event to its handler; none is part of the public API but `/ask`."""
    private = "private"
    settings = [side.top_k, side.details, side.scope, side.documents]
    ask_outputs = [chat.question, chat.chatbot, session, side.sources]
    for trigger in (chat.question.submit, chat.ask.click):
        trigger(
            handlers.respond,
            [chat.question, session, *settings],
            ask_outputs,
            api_visibility=private,
        )
    for button in chat.examples:
        button.click(
            handlers.respond, [button, session, *settings], ask_outputs, api_visibility=private
        )
    panel = [session, side.details]
    chat.chatbot.select(handlers.select, panel, [session, side.sources], api_visibility=private)
    side.reader.change(handlers.use_reader, [session, side.reader], session, api_visibility=private)
    side.details.change(handlers.show_details, panel, side.sources, api_visibility=private)
    # The chat's own trash icon clears the session too, not just what is on screen.
    clear_outputs = [chat.chatbot, session, side.sources]
    for clearing in (chat.clear.click, chat.chatbot.clear):
        clearing(handlers.clear, panel, clear_outputs, api_visibility=private)
    side.upload.upload(
        handlers.upload,
        [side.upload, session, side.documents],
        [side.upload, session, side.documents, chat.chatbot, side.upload_report],
        api_visibility=private,
        concurrency_limit=queue.indexing,
        concurrency_id="indexing",
    )
    side.remove.click(
        handlers.remove,
        [session, side.documents],
        [session, side.documents, chat.chatbot],
        api_visibility=private,
    )
