"""Per-turn answer accuracy of conversations, with and without follow-up handling.

Every turn of a labelled conversation is answered three ways: on its own words alone
(`Assistant.ask`, what a chat without follow-up handling does), in the conversation
(`Chat.ask`, follow-ups resolved), and as its hand-written stand-alone rewrite (what the
person meant, asked on its own: the bar a follow-up should reach). A turn is correct when
the answer text contains an expected answer after SQuAD normalisation. The file format is
documented in docs/conversation.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.assistant import Assistant
from qa.evaluate.datasets import DatasetError, load_dataset
from qa.evaluate.matching import contains_answer, normalize_answer, strip_citations
from qa.loading import bundled_article_path, load_path
from qa.types import Answer, Document

BUNDLED = "bundled"
XQUAD_PREFIX = "xquad:"
MODES = ("alone", "chat", "rewrite")
TurnProgress = Callable[[int, int], None]  # (conversations done, total)


@dataclass(frozen=True)
class ConversationTurn:
    """One labelled turn.

    Attributes:
        question: as the person types it in the conversation.
        answers: expected answers; the reply must contain one (all, with `require_all`).
        follow_up: whether the question leans on earlier turns.
        rewrite: the question as it would be asked on its own (= `question` if stand-alone).
        require_all: every expected answer must appear (comparisons, lists).
    """

    question: str
    answers: tuple[str, ...]
    follow_up: bool
    rewrite: str
    require_all: bool = False

    def correct(self, reply: Answer) -> bool:
        """Whether `reply` contains the expected answer(s), SQuAD-normalised."""
        if not reply.found:
            return False
        text = strip_citations(reply.text)
        if self.require_all:
            return all(contains_answer(text, [answer]) for answer in self.answers)
        return contains_answer(text, self.answers)


@dataclass(frozen=True)
class Conversation:
    """A labelled conversation over named documents ("bundled", "xquad:<title>")."""

    id: str
    documents: tuple[str, ...]
    turns: tuple[ConversationTurn, ...]


@dataclass(frozen=True)
class TurnResult:
    """How one turn was answered in each of the three ways."""

    conversation: str
    turn: int  # 1-based
    question: str
    follow_up: bool
    searched: str  # the query the chat searched (its rewrite of a follow-up)
    kind: str  # how the chat understood the question
    answer: str  # the chat's answer text
    correct_alone: bool  # Assistant.ask on the question's own words
    correct_chat: bool  # Chat.ask in the conversation
    correct_rewrite: bool  # Assistant.ask on the hand-written stand-alone rewrite


@dataclass(frozen=True)
class ConversationReport:
    """Per-turn results and the accuracy table (`table()`)."""

    path: str
    conversations: int
    results: tuple[TurnResult, ...]

    def where(self, keep: Callable[[TurnResult], bool], path: str) -> ConversationReport:
        """The report over the turns `keep` accepts, labelled `path` (e.g. a held-out part:
        `report.where(lambda r: r.conversation.startswith("heldout-"), "held-out")`)."""
        results = tuple(r for r in self.results if keep(r))
        return ConversationReport(path, len({r.conversation for r in results}), results)

    def accuracy(self, *, follow_up: bool | None, mode: str) -> float:
        """Share of correct turns (0..1) for mode "alone", "chat" or "rewrite".

        `follow_up` selects follow-up turns (True), stand-alone turns (False) or all (None).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be 'alone', 'chat' or 'rewrite'; got {mode!r}.")
        chosen = [r for r in self.results if follow_up is None or r.follow_up == follow_up]
        if not chosen:
            return 0.0
        return sum(getattr(r, f"correct_{mode}") for r in chosen) / len(chosen)

    def table(self) -> str:
        """The accuracy table, one row per kind of turn, as plain text."""
        header = (
            f"{'turns':<12} {'n':>4}  {'without follow-up handling':>27}  "
            f"{'with follow-up handling':>24}  {'hand-written rewrite':>21}"
        )
        lines = [f"Conversation accuracy: {self.path} ({self.conversations} conversations)"]
        lines += [header, "-" * len(header)]
        for label, selector in (("stand-alone", False), ("follow-up", True), ("all", None)):
            n = sum(1 for r in self.results if selector is None or r.follow_up == selector)
            cells = [self.accuracy(follow_up=selector, mode=m) for m in MODES]
            lines.append(
                f"{label:<12} {n:>4}  {cells[0]:>27.1%}  {cells[1]:>24.1%}  {cells[2]:>21.1%}"
            )
        return "\n".join(lines)


def load_conversations(path: str | os.PathLike[str]) -> list[Conversation]:
    """Read a conversation set (JSON Lines, one conversation per line).

    Raises:
        DatasetError: unreadable file, or a line that breaks the format (named by number).
    """
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise DatasetError(f"Cannot read conversation set {file}: {err.strerror or err}") from err
    conversations = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DatasetError(f"{file}, line {number}: not JSON ({err.msg}).") from err
        conversations.append(_conversation(record, f"{file}, line {number}"))
    if not conversations:
        raise DatasetError(f"{file} holds no conversations; write one JSON object per line.")
    return conversations


def _conversation(record: Any, where: str) -> Conversation:
    if not isinstance(record, dict):
        raise DatasetError(f"{where}: a conversation must be a JSON object.")
    documents = record.get("documents")
    if (
        not isinstance(documents, list)
        or not documents
        or not all(
            isinstance(d, str) and (d == BUNDLED or d.startswith(XQUAD_PREFIX)) for d in documents
        )
    ):
        raise DatasetError(
            f"{where}: 'documents' must list {BUNDLED!r} and/or '{XQUAD_PREFIX}<article title>'."
        )
    turns = record.get("turns")
    if not isinstance(turns, list) or not turns:
        raise DatasetError(f"{where}: 'turns' must be a non-empty list.")
    parsed = tuple(_turn(turn, f"{where}, turn {n}") for n, turn in enumerate(turns, start=1))
    if parsed[0].follow_up:
        raise DatasetError(f"{where}, turn 1: the first turn cannot be a follow-up.")
    return Conversation(str(record.get("id", where)), tuple(documents), parsed)


def _turn(record: Any, where: str) -> ConversationTurn:
    if not isinstance(record, dict) or not isinstance(record.get("question"), str):
        raise DatasetError(f"{where}: needs a 'question' string.")
    answers = record.get("answers")
    if (
        not isinstance(answers, list)
        or not answers
        or not all(isinstance(a, str) and normalize_answer(a) for a in answers)
    ):
        raise DatasetError(f"{where}: 'answers' must be a non-empty list of non-empty strings.")
    follow_up = record.get("follow_up")
    if not isinstance(follow_up, bool):
        raise DatasetError(f"{where}: 'follow_up' must be true or false.")
    rewrite = record.get("rewrite", record["question"])
    if follow_up and (not isinstance(rewrite, str) or rewrite == record["question"]):
        raise DatasetError(f"{where}: a follow-up needs a 'rewrite' that stands on its own.")
    return ConversationTurn(
        record["question"],
        tuple(answers),
        follow_up,
        str(rewrite),
        bool(record.get("require_all", False)),
    )


def conversation_documents(
    conversations: Sequence[Conversation], *, xquad_path: str | os.PathLike[str] | None
) -> list[Document]:
    """The documents the conversations name, loaded (XQuAD articles from `xquad_path`).

    Raises:
        DatasetError: an XQuAD article is named but no `xquad_path` is given, or the file
            has no article of that title.
    """
    names = list(dict.fromkeys(d for c in conversations for d in c.documents))
    documents = []
    wanted = [n[len(XQUAD_PREFIX) :] for n in names if n.startswith(XQUAD_PREFIX)]
    if BUNDLED in names:
        documents.append(load_path(bundled_article_path()))
    if wanted:
        if xquad_path is None:
            raise DatasetError(
                f"The conversations use XQuAD articles ({', '.join(wanted[:3])}, ...); pass "
                "xquad_path= (the XQuAD-en JSON, xquad.en.json) to load them."
            )
        by_title = {d.title: d for d in load_dataset(xquad_path).documents}
        for title in wanted:
            if title not in by_title:
                raise DatasetError(
                    f"{xquad_path} has no article titled {title!r} (titles use spaces, "
                    f"e.g. {next(iter(by_title), 'none')!r})."
                )
            documents.append(by_title[title])
    return documents


def evaluate_conversations(
    assistant: Assistant,
    path: str | os.PathLike[str],
    *,
    xquad_path: str | os.PathLike[str] | None = None,
    top_k: int = 3,
    progress: TurnProgress | None = None,
) -> ConversationReport:
    """Answer every turn of a conversation set three ways and report the accuracy.

    Args:
        assistant: supplies the model and settings; it is forked (not changed) and the
            conversations' documents are added to the fork, so one collection holds them
            all and each question is searched across every document, as in a real chat.
        path: the conversation set (JSON Lines; see docs/conversation.md).
        xquad_path: the XQuAD-en JSON, needed when conversations use "xquad:" articles.
        top_k: sources per answer.
        progress: called with (conversations done, total) after each conversation.

    Returns:
        A ConversationReport; `table()` prints the accuracy of stand-alone and follow-up
        turns without handling, with handling, and for the hand-written rewrites.

    Raises:
        DatasetError: the set or the XQuAD file is unreadable or malformed.
    """
    conversations = load_conversations(path)
    documents = conversation_documents(conversations, xquad_path=xquad_path)
    judge = assistant.fork()
    judge.add_documents(documents)
    results: list[TurnResult] = []
    for done, conversation in enumerate(conversations, start=1):
        chat = judge.chat()
        for number, turn in enumerate(conversation.turns, start=1):
            in_chat = chat.ask(turn.question, top_k=top_k)
            alone = judge.ask(turn.question, top_k=top_k)
            rewritten = judge.ask(turn.rewrite, top_k=top_k) if turn.follow_up else alone
            record = chat.history[-1]
            results.append(
                TurnResult(
                    conversation=conversation.id,
                    turn=number,
                    question=turn.question,
                    follow_up=turn.follow_up,
                    searched=record.searched,
                    kind=record.kind,
                    answer=in_chat.text,
                    correct_alone=turn.correct(alone),
                    correct_chat=turn.correct(in_chat),
                    correct_rewrite=turn.correct(rewritten),
                )
            )
        if progress is not None:
            progress(done, len(conversations))
    return ConversationReport(str(path), len(conversations), tuple(results))
