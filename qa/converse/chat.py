"""Chat: a conversation over an assistant's documents, where follow-up questions work.

Each question is first understood in the context of the turns so far
(`qa.converse.followup`): "What did he express satisfaction with?" after a question about
Putin is searched as "What did Putin express satisfaction with?". How the resolved
question is then searched is the follow-up strategy's (`qa.converse.strategy`); the chat
keeps the conversation's state: its turns, recorded one at a time. A question that stands
alone is answered exactly as `Assistant.ask` answers it; one that only repeats an earlier
question (over the same documents) gets the earlier answer again.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Generic, TypeVar

from qa.answer.aggregation import AggregationConfig
from qa.converse.followup import HISTORY_TURNS, PreviousTurn, Resolution, resolve
from qa.converse.mentions import is_person
from qa.converse.strategy import FollowUpStrategy
from qa.converse.turn import Answerer, Turn
from qa.limits import check_k, validate_question
from qa.text import terms
from qa.types import Answer

QUESTION_WORDS = frozenset({"what", "who", "whom", "whose", "when", "where", "why", "how", "which"})

AnswererT = TypeVar("AnswererT", bound=Answerer)


class Chat(Generic[AnswererT]):
    """A conversation with an assistant; `history` lists the turns so far, oldest first.

    Args:
        assistant: answers the questions (its documents, model and settings are used): a
            `qa.Assistant`, or anything with what `Answerer` names. The chat is generic in
            it, so `chat.assistant` keeps the type it was given.
        follow_ups: resolve follow-up questions from earlier turns; with False every
            question is answered on its own by `Assistant.ask` (to measure what the
            handling adds).
        aggregation: how long multi-sentence answers may grow (for the default strategy).
        strategy: how a resolved question is searched; by default a
            `FollowUpStrategy(assistant, aggregation)`.

    One chat is one person's conversation: a UI keeps one per session. Its methods may
    be called from several threads; turns are recorded one at a time.
    """

    def __init__(
        self,
        assistant: AnswererT,
        *,
        follow_ups: bool = True,
        aggregation: AggregationConfig | None = None,
        strategy: FollowUpStrategy | None = None,
    ) -> None:
        self._assistant = assistant
        self.follow_ups = follow_ups
        self.strategy = strategy or FollowUpStrategy(assistant, aggregation)
        self._turns: list[Turn] = []
        self._lock = threading.Lock()

    @property
    def assistant(self) -> AnswererT:
        """Who answers; setting it (a UI session forks its assistant on an upload) keeps
        the history and gives the strategy the new assistant too."""
        return self._assistant

    @assistant.setter
    def assistant(self, assistant: AnswererT) -> None:
        self._assistant = assistant
        self.strategy = self.strategy.over(assistant)

    @property
    def aggregation(self) -> AggregationConfig:
        """How long multi-sentence answers may grow (the strategy's)."""
        return self.strategy.aggregation

    def __repr__(self) -> str:
        return f"Chat(turns={len(self._turns)}, follow_ups={self.follow_ups})"

    @property
    def history(self) -> list[Turn]:
        """The turns so far, oldest first (a copy: changing it does not change the chat)."""
        with self._lock:
            return list(self._turns)

    def reset(self) -> None:
        """Forget the conversation so far; the next question is understood on its own."""
        with self._lock:
            self._turns.clear()

    def ask(
        self, question: str, *, top_k: int = 3, documents: Iterable[str] | None = None
    ) -> Answer:
        """Answer `question` in the context of this conversation and record the turn.

        Args:
            question: plain-language question; may lean on earlier turns ("And Putin?",
                "What did he say about vaccines?", "Why?", "What else?").
            top_k: how many numbered sources to return (1..100). An answer quoting more
                sentences than this cites each of them, so it may list more sources.
            documents: restrict the search to these document ids, as in `Assistant.ask`.

        Returns:
            An Answer whose `question` is the question as asked. Its text quotes the
            documents verbatim; every "[n]" marker names the source whose
            `answer_start`/`answer_end` highlight exactly that quote. Costs one model call
            per search (a follow-up may search two or three readings; a comparison once
            per party) plus milliseconds of retrieval.

        Raises:
            QuestionError (a ValueError): empty, too long or malformed question; bad top_k.
            UnknownDocumentError: a document id in `documents` is not in the collection.
        """
        text = validate_question(question)
        top_k = check_k("top_k", top_k)
        scope = self._scope(documents)
        corpus = frozenset(d.id for d in self.assistant.documents)
        turns = self.history
        if not self.follow_ups:
            reply = self.assistant.ask(text, top_k=top_k, documents=scope)
            return self._record(Turn(text, reply, text, "standalone", top_k, scope, corpus))
        earlier = [PreviousTurn(t.searched, t.answer.text if t.answer.found else "") for t in turns]
        resolution = resolve(text, earlier, self._people(turns))
        same = [t for t in turns if (t.top_k, t.documents, t.corpus) == (top_k, scope, corpus)]
        repeated = _repeat(resolution, same)
        if repeated is not None:
            reply = replace(repeated.answer, question=text)
            turn = Turn(text, reply, repeated.searched, "repeat", top_k, scope, corpus)
            return self._record(turn)
        query, reply = self.strategy.respond(resolution, turns, top_k, scope)
        reply = replace(reply, question=text)
        kind: str = resolution.kind
        if kind == "standalone" and query != resolution.query:
            kind = "topic"  # searched with the conversation's topic words
        return self._record(Turn(text, reply, query, kind, top_k, scope, corpus))

    # ----- internals -----------------------------------------------------------------
    def _people(self, turns: list[Turn]) -> Callable[[str], bool]:
        """Whether the documents of the recent answers call a name he or she
        (`qa.converse.mentions.is_person`); read once per name, and only if a pronoun asks."""
        wanted = {s.doc_id for t in turns[-HISTORY_TURNS:] for s in t.answer.sources}

        @functools.cache
        def person(name: str) -> bool:
            texts = [d.text for d in self.assistant.documents if d.id in wanted]
            return is_person(name, texts)

        return person

    def _record(self, turn: Turn) -> Answer:
        with self._lock:
            self._turns.append(turn)
        return turn.answer

    def _scope(self, documents: Iterable[str] | None) -> frozenset[str] | None:
        if documents is None:
            return None
        scope = frozenset([documents] if isinstance(documents, str) else documents)
        for doc_id in scope:
            self.assistant.collection.entry(doc_id)  # UnknownDocumentError names the known ids
        return scope


def _repeat(resolution: Resolution, turns: list[Turn]) -> Turn | None:
    """The latest of `turns` this question only repeats (same words once resolved).

    "What else?" is never a repeat: asking it again asks for yet another sentence.
    """
    if resolution.kind == "more":
        return None
    words = _signature(resolution.query)
    for turn in reversed(turns):
        if turn.kind != "more" and _signature(turn.searched) == words:
            return turn
    return None


def _signature(query: str) -> frozenset[str]:
    """What a question asks, ignoring form: its content terms and its question words.

    "What did he express satisfaction with?" resolved to "What did Putin express
    satisfaction with?" has the signature of that question; "When?" and "How?" about the
    same thing differ, because question words are kept.
    """
    asked = {w for w in re.findall(r"\w+", query.lower()) if w in QUESTION_WORDS}
    return frozenset(terms(query)) | frozenset(asked)
