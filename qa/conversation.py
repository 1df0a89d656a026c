"""Chat: a conversation over an assistant's documents, keeping the history of turns.

Follow-up resolution (pronouns, "and Putin?") builds on this; for now each question is
answered on its own, and the history is kept for the UI and for later turns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.types import Answer

if TYPE_CHECKING:
    from qa.api import Assistant


@dataclass(frozen=True)
class Turn:
    """One question and the answer given to it."""

    question: str
    answer: Answer


class Chat:
    """A conversation with an assistant; `history` lists the turns so far, oldest first."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._turns: list[Turn] = []

    @property
    def history(self) -> list[Turn]:
        return list(self._turns)

    def reset(self) -> None:
        """Forget the conversation so far."""
        self._turns.clear()

    def ask(
        self, question: str, *, top_k: int = 3, documents: Iterable[str] | None = None
    ) -> Answer:
        """Answer `question` in the context of this conversation and record the turn."""
        reply = self.assistant.ask(question, top_k=top_k, documents=documents)
        self._turns.append(Turn(question, reply))
        return reply
