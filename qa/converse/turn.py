"""A conversation's record: its turns, and what a chat uses of its assistant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from embeddings import TextEncoder
from qa.index import Collection
from qa.settings import Settings
from qa.types import Answer, Document


class Answerer(Protocol):
    """What a chat uses of its assistant: `qa.Assistant` is one.

    A protocol rather than the class itself: the facade (`qa.assistant`) builds chats
    (`Assistant.chat`), so this stage importing it would tie the two into an import cycle.
    """

    @property
    def collection(self) -> Collection: ...

    @property
    def embedder(self) -> TextEncoder: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def documents(self) -> list[Document]: ...

    def ask(
        self, question: str, *, top_k: int = 3, documents: Iterable[str] | None = None
    ) -> Answer: ...


@dataclass(frozen=True)
class Turn:
    """One question and the answer given to it.

    Attributes:
        question: the question as asked.
        answer: the reply (its `question` is the question as asked, too).
        query: what was searched: the stand-alone rewrite of a follow-up ("" = question).
        kind: "standalone", a follow-up kind from `qa.converse.followup.Resolution`, "topic" (a
            question naming nothing of its own, searched with the previous question's
            topic words: `FollowUpStrategy._on_topic`) or "repeat".
        top_k, documents: the settings the question was asked with.
        corpus: the ids of the documents in the collection when it was asked; a repeated
            question is answered again, not reused, once the documents have changed.
    """

    question: str
    answer: Answer
    query: str = ""
    kind: str = "standalone"
    top_k: int = 3
    documents: frozenset[str] | None = None
    corpus: frozenset[str] = frozenset()

    @property
    def searched(self) -> str:
        return self.query or self.question
