"""One browser session's state: its chat, its own documents, the replies it was given.

Why a class: several people use one server. The shared assistant (the bundled article,
indexed once) is never modified; a session forks it the first time it adds or removes a
document, so uploads stay private to the session that made them and cost nothing for the
sessions that only ask.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gradio.components.chatbot import MessageDict

from qa import Assistant, Chat, IndexReport, ReportEntry, supported_suffixes
from qa.errors import DocumentError
from qa.types import Answer, Document
from ui import render

MULTIPART_FRAMING_BYTES = 64 * 1024
Message = MessageDict  # {"role": ..., "content": ...}, Gradio's chat message format
Progress = Callable[[float, str], None]


def human_size(size: int) -> str:
    """A byte count as people read it: "512 bytes", "2 KB", "1.5 MB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class UploadLimits:
    """What one session may upload.

    Attributes:
        max_file_bytes: the largest file accepted.
        max_files_per_upload: files in one upload.
        max_documents: documents a session may hold in total (the bundled one included).
        suffixes: accepted file endings, lower case with the dot.
    """

    max_file_bytes: int = 10 * 1024 * 1024
    max_files_per_upload: int = 5
    max_documents: int = 20
    suffixes: tuple[str, ...] = field(default_factory=lambda: tuple(supported_suffixes()))

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_files_per_upload", "max_documents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"UploadLimits.{name} must be a positive whole number, got {value!r}."
                )

    @property
    def max_upload_bytes(self) -> int:
        """The largest upload request: `max_files_per_upload` files of `max_file_bytes` each,
        plus 64 KB for the multipart framing around them (part headers, boundaries)."""
        return self.max_files_per_upload * self.max_file_bytes + MULTIPART_FRAMING_BYTES

    @property
    def max_file_text(self) -> str:
        """The size limit for messages, e.g. "10 MB"."""
        return human_size(self.max_file_bytes)


@dataclass(frozen=True)
class UploadReport:
    """The outcome of one upload.

    Attributes:
        added: the documents indexed.
        problems: one message per file not indexed (or for the whole upload, when it
            breaks a limit), saying why.
        report: one entry per file uploaded, in order (empty when the upload was refused
            as a whole).
    """

    added: list[Document]
    problems: list[str]
    report: IndexReport = field(default_factory=lambda: IndexReport(()))


class Session:
    """The state of one browser session.

    Args:
        shared: the assistant every session starts from; read, never modified here.
        limits: upload limits for this session.
    """

    def __init__(self, shared: Assistant, limits: UploadLimits | None = None) -> None:
        self.shared = shared
        self.limits = limits or UploadLimits()
        self.chat: Chat[Assistant] = shared.chat()
        self.answers: list[Answer] = []
        self.messages: list[Message] = [self.welcome()]
        self._message_turns: list[int | None] = [None]  # which reply each message shows
        self.shown: int | None = None  # the reply whose sources are on display
        # One tab can fire events concurrently (a question while a file is indexing); they
        # take turns so the fork, the history and the message list stay consistent.
        self.lock = threading.RLock()

    @property
    def assistant(self) -> Assistant:
        """The assistant this session asks: the shared one until the session changes documents."""
        return self.chat.assistant

    @property
    def forked(self) -> bool:
        """Whether this session has its own copy of the collection."""
        return self.chat.assistant.collection is not self.shared.collection

    @property
    def reader_available(self) -> bool:
        """Whether there is a trained reader to switch on (QA_READER=off leaves none)."""
        return self.assistant.reader is not None

    @property
    def reader_on(self) -> bool:
        """Whether this session's answers use the trained reader."""
        return self.reader_available and self.assistant.settings.answering.use_reader

    def use_reader(self, on: bool) -> None:
        """Answer this session's questions with the trained reader, or without it.

        Only this session changes: it asks a twin of its assistant under other answering
        settings over the same collection, so nothing is re-indexed or copied.
        """
        with self.lock:
            settings = self.assistant.settings
            if settings.answering.use_reader == on:
                return
            answering = replace(settings.answering, use_reader=on)
            self.chat.assistant = self.assistant.with_settings(
                replace(settings, answering=answering)
            )

    @property
    def documents(self) -> list[Document]:
        return self.assistant.documents

    def welcome(self) -> Message:
        """The opening message, naming the documents this session has now."""
        return {"role": "assistant", "content": render.welcome_html(self.documents)}

    def _own(self) -> Assistant:
        # The chat keeps its history across the fork: only the assistant it asks changes.
        if not self.forked:  # a copy of the shared documents, under this session's settings
            self.chat.assistant = self.chat.assistant.fork()
        return self.chat.assistant

    # ----- questions -----------------------------------------------------------------------
    def ask(
        self, question: str, *, top_k: int = 3, documents: Iterable[str] | None = None
    ) -> Answer:
        """Ask in this session's chat and record the reply in the visible history.

        Raises:
            QuestionError: the question or top_k is unusable (nothing is recorded).
        """
        with self.lock:
            scope = None if documents is None else [d for d in documents if d in self._ids()]
            reply = self.chat.ask(question, top_k=top_k, documents=scope)
            turn = len(self.answers)
            self.answers.append(reply)
            self.shown = turn
            self._append({"role": "user", "content": render.question_html(question)})
            self._append({"role": "assistant", "content": render.answer_html(reply, turn)}, turn)
            return reply

    def _ids(self) -> set[str]:
        return {d.id for d in self.documents}

    def turn_of_message(self, index: int) -> int | None:
        """The reply number shown by chat message `index`, or None (question, welcome, notice)."""
        if 0 <= index < len(self._message_turns):
            return self._message_turns[index]
        return None

    def _append(self, message: Message, turn: int | None = None) -> None:
        self.messages.append(message)
        self._message_turns.append(turn)

    def note(self, html: str) -> None:
        """Add a message from the app (upload results, errors) to the chat."""
        with self.lock:
            self._append({"role": "assistant", "content": html})

    def clear(self) -> None:
        """Forget the conversation; the documents stay."""
        with self.lock:
            self._clear()

    def _clear(self) -> None:
        self.chat.reset()
        self.answers.clear()
        self.shown = None
        self.messages = [self.welcome()]
        self._message_turns = [None]

    # ----- documents -----------------------------------------------------------------------
    def check_upload(self, paths: Sequence[str | os.PathLike[str]]) -> list[str]:
        """Messages for every limit the upload breaks; empty when it may proceed."""
        limits = self.limits
        problems = []
        if len(paths) > limits.max_files_per_upload:
            problems.append(
                f"You chose {len(paths)} files; upload at most "
                f"{limits.max_files_per_upload} at a time."
            )
        room = limits.max_documents - len(self.documents)
        if len(paths) > room:
            problems.append(
                f"This session holds {len(self.documents)} of at most {limits.max_documents} "
                f"documents; remove some before adding {len(paths)} more."
            )
        return problems

    def _check_file(self, path: Path, name: str) -> ReportEntry | None:
        """The entry for a file this session's limits refuse, or None when it may be read."""
        if path.suffix.lower() not in self.limits.suffixes:
            message = (
                f"{name}: files of type {path.suffix or '(none)'} cannot be read; upload "
                f"{', '.join(self.limits.suffixes)}."
            )
            reason = f"unsupported format {path.suffix or '(none)'}"
            return ReportEntry(name, "skipped", reason, detail=message)
        size = path.stat().st_size
        if size > self.limits.max_file_bytes:
            message = (
                f"{name} is {human_size(size)}; the limit is {self.limits.max_file_text} per "
                "file. Split it or upload a shorter version."
            )
            return ReportEntry(name, "failed", message, detail=message)
        return None

    def add_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        names: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> UploadReport:
        """Add uploaded files one by one, so one bad file does not block the others.

        Args:
            paths: where the uploaded files are on disk.
            names: the names the user knows them by (for messages); default the file names.
            progress: called with (fraction done, description) while indexing.

        Returns:
            The documents added and a message for each file refused.
        """
        with self.lock:
            return self._add_files(paths, names, progress)

    def _add_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        names: Sequence[str] | None,
        progress: Progress | None,
    ) -> UploadReport:
        problems = self.check_upload(paths)
        if problems:
            return UploadReport([], problems)
        labels = list(names) if names else [Path(p).name for p in paths]
        entries: list[ReportEntry | None] = [
            self._check_file(Path(p), n) for p, n in zip(paths, labels, strict=True)
        ]
        readable = [i for i, entry in enumerate(entries) if entry is None]
        if readable:
            for i, entry in zip(
                readable, self._index(paths, labels, readable, progress), strict=True
            ):
                entries[i] = entry
        done = IndexReport(tuple(e for e in entries if e is not None))
        ids = [e.doc_id for e in done.indexed]
        by_id = {d.id: d for d in self.documents}
        return UploadReport(
            [by_id[i] for i in ids if i in by_id],
            [e.detail or f"{e.input}: {e.reason}" for e in done.entries if e.status != "indexed"],
            done,
        )

    def _index(
        self,
        paths: Sequence[str | os.PathLike[str]],
        labels: list[str],
        readable: list[int],
        progress: Progress | None,
    ) -> tuple[ReportEntry, ...]:
        """Index the files at `readable` in one pass: an entry for each, in order."""
        what = labels[readable[0]] if len(readable) == 1 else f"{len(readable)} files"
        try:
            report = self._own().index(
                [Path(paths[i]) for i in readable],
                names=[labels[i] for i in readable],
                progress=_file_progress(progress, 0, 1, what),
            )
        except DocumentError as err:  # the model failed on the batch: nothing went in
            return tuple(
                ReportEntry(labels[i], "failed", str(err), detail=str(err)) for i in readable
            )
        return report.entries

    def remove(self, doc_ids: Iterable[str]) -> list[Document]:
        """Remove documents from this session's collection (the shared one is untouched)."""
        with self.lock:
            wanted = [d for d in doc_ids if d in self._ids()]
            if not wanted:
                return []
            own = self._own()
            return [own.remove_document(d) for d in wanted]


def _file_progress(
    progress: Progress | None, index: int, count: int, name: str
) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        fraction = (index + (done / total if total else 1.0)) / count
        progress(fraction, f"Indexing {name}")

    return report
