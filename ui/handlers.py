"""The chat's event handlers, as plain methods so tests can call them without a browser.

Each handler takes the session object Gradio keeps in `gr.State` (None on a session's first
event) and returns the new values of the components it updates. Expected problems (a bad
question, a refused file) become visible messages, never tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qa import Assistant
from qa.errors import QAError
from ui import render
from ui.payload import answer_payload
from ui.sessions import Message, Session, UploadLimits

ALL_DOCUMENTS = "All documents"
CHECKED_ONLY = "Only the checked documents"
SCOPES = [ALL_DOCUMENTS, CHECKED_ONLY]
EXAMPLE_QUESTIONS = [
    "What did Putin say about external forces?",
    "What did Xi say about vaccines?",
    "Which anniversary did the two leaders celebrate?",
]


def warn(message: str) -> None:
    """A yellow toast. Gradio renders toast text as HTML, and ours can hold file names."""
    gr.Warning(render.escape(message))


def inform(message: str) -> None:
    """A blue toast, escaped for the same reason as `warn`."""
    gr.Info(render.escape(message))


def in_folder(path: str, folder: str | Path) -> bool:
    """Whether `path` lies inside `folder` (after resolving links and '..')."""
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, ValueError):
        return False


def document_choices(session_or_assistant: Session | Assistant) -> list[tuple[str, str]]:
    """(label, id) pairs for the list of loaded documents."""
    return [(render.document_label(d), d.id) for d in session_or_assistant.documents]


class Handlers:
    """Event handlers bound to the shared assistant.

    Args:
        shared: the assistant every session starts from (never modified here).
        limits: upload limits applied to every session.
        upload_root: the only folder uploaded files may be read from; by default Gradio's
            upload cache (GRADIO_TEMP_DIR).
    """

    def __init__(
        self,
        shared: Assistant,
        limits: UploadLimits | None = None,
        *,
        upload_root: str | Path | None = None,
    ) -> None:
        self.shared = shared
        self.limits = limits or UploadLimits()
        self.upload_root = upload_root

    def _upload_root(self) -> str | Path:
        from gradio.utils import get_upload_folder

        return self.upload_root if self.upload_root is not None else get_upload_folder()

    def session(self, session: Session | None) -> Session:
        """The session's state, created on its first event."""
        return session if session is not None else Session(self.shared, self.limits)

    def _sources(self, session: Session, details: bool) -> str:
        turn = session.shown
        answer = session.answers[turn] if turn is not None else None
        return render.sources_html(answer, turn or 0, details=details)

    def _documents(self, session: Session, checked: list[str] | None) -> Any:
        ids = {d.id for d in session.documents}
        kept = [d for d in checked or [] if d in ids]
        return gr.CheckboxGroup(choices=document_choices(session), value=kept)

    def use_reader(self, session: Session | None, on: bool) -> Session:
        """The settings' reader switch: this session's later answers use it, or not."""
        state = self.session(session)
        state.use_reader(bool(on))
        return state

    # ----- chat ----------------------------------------------------------------------------
    def respond(
        self,
        question: str,
        session: Session | None,
        top_k: float,
        details: bool,
        scope: str,
        checked: list[str] | None,
    ) -> tuple[str, list[Message], Session, str]:
        """Answer a question: returns (question box, chat, session, sources panel).

        A question that cannot be asked keeps its text in the box and shows a warning.
        """
        state = self.session(session)
        documents: list[str] | None = None
        if scope == CHECKED_ONLY:
            loaded = {d.id for d in state.documents}
            documents = [d for d in checked or [] if d in loaded]
            if not documents:
                warn("No loaded document is checked: check some documents, or ask all of them.")
                return question, list(state.messages), state, self._sources(state, details)
        try:
            state.ask(question, top_k=int(top_k), documents=documents)
        except QAError as err:  # a bad question, mostly; never a traceback in the page
            warn(str(err))
            # Give the text back for correction, minus what cannot travel as UTF-8 (a lone
            # surrogate would break Gradio's event stream and lose the warning).
            shown = question.encode("utf-8", "replace").decode("utf-8")
            return shown, list(state.messages), state, self._sources(state, details)
        return "", list(state.messages), state, self._sources(state, details)

    def select(
        self, session: Session | None, details: bool, event: gr.SelectData
    ) -> tuple[Session, str]:
        """Clicking a reply (or one of its citations) shows that reply's sources."""
        state = self.session(session)
        index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        turn = state.turn_of_message(int(index)) if isinstance(index, int) else None
        if turn is not None:
            state.shown = turn
        return state, self._sources(state, details)

    def show_details(self, session: Session | None, details: bool) -> str:
        """Re-render the sources panel with or without retrieval details."""
        return self._sources(self.session(session), details)

    def clear(self, session: Session | None, details: bool) -> tuple[list[Message], Session, str]:
        """Forget the conversation (documents stay loaded)."""
        state = self.session(session)
        state.clear()
        return list(state.messages), state, self._sources(state, details)

    # ----- documents -----------------------------------------------------------------------
    def upload(
        self,
        files: list[str] | None,
        session: Session | None,
        checked: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects it by default value
    ) -> tuple[None, Session, Any, list[Message], str]:
        """Add uploaded files to this session: (cleared upload box, session, list, chat,
        upload report: each file's outcome)."""
        state = self.session(session)
        paths = [str(f) for f in files or []]
        if not paths:
            return None, state, self._documents(state, checked), list(state.messages), ""
        root = self._upload_root()
        outside = [p for p in paths if not in_folder(p, root)]
        if outside:
            # A client can name any server path in the event payload (CVE-2024-1728 class);
            # only files Gradio itself stored from an upload may be read.
            raise gr.Error("Upload refused: a file did not come from this page's upload.")
        progress(0.0, desc="Reading files")

        def report(fraction: float, description: str) -> None:
            progress(fraction, desc=description)

        result = state.add_files(paths, names=[Path(p).name for p in paths], progress=report)
        for problem in result.problems:
            warn(problem)
            state.note(render.error_html(f"Upload refused: {problem}"))
        if result.added:
            titles = ", ".join(f"“{d.title}”" for d in result.added)
            state.note(render.notice_html(f"Added {titles}. Ask me about it."))
            inform(f"Added {len(result.added)} document(s).")
        shown = render.upload_report_html(result.report, result.problems)
        return None, state, self._documents(state, checked), list(state.messages), shown

    def remove(
        self, session: Session | None, checked: list[str] | None
    ) -> tuple[Session, Any, list[Message]]:
        """Remove the checked documents from this session: (session, list, chat)."""
        state = self.session(session)
        if not checked:
            warn("Check the documents to remove first.")
            return state, self._documents(state, checked), list(state.messages)
        removed = state.remove(checked)
        if removed:
            titles = ", ".join(f"“{d.title}”" for d in removed)
            state.note(render.notice_html(f"Removed {titles}."))
        return state, self._documents(state, []), list(state.messages)

    # ----- API -----------------------------------------------------------------------------
    def api_ask(self, question: str) -> dict[str, Any]:
        """Answer a question over the shared documents; JSON with text, found, sources."""
        try:
            return answer_payload(self.shared.ask(question))
        except QAError as err:
            raise gr.Error(render.escape(str(err))) from err
