"""Chat: a conversation over an assistant's documents, where follow-up questions work.

Each question is first understood in the context of the turns so far (`qa.converse.followup`):
"What did he express satisfaction with?" after a question about Putin is searched as
"What did Putin express satisfaction with?". The previous answer's passages stay in view
for a follow-up, "what else" skips what was already quoted, a comparison is searched once
per party (`qa.converse.parties`) and a list question may quote several sentences
(`qa.answer.aggregation`). A follow-up whose rewrite only re-quotes the previous answer is
searched on its own words too, and a question that names nothing of its own but is
answered from some other document is searched again with the conversation's topic:
both decided by where the answer comes from, at one extra search. Any other question
that stands alone is answered exactly as `Assistant.ask` answers it; one that only
repeats an earlier question (over the same documents) gets the earlier answer again.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import Generic, Protocol, TypeVar

import numpy as np

from embeddings import TextEncoder
from qa.answer.aggregation import (
    AggregationConfig,
    Range,
    answer_excluding,
    extend,
    merge,
    quote_about,
    quoted_ranges,
    wants_several,
)
from qa.answering import answer
from qa.converse.followup import HISTORY_TURNS, PreviousTurn, Resolution, resolve
from qa.converse.mentions import entities, is_person, topic_words
from qa.converse.parties import comparison_queries
from qa.index import Collection
from qa.limits import check_k, validate_question
from qa.retrieve import Candidate, retrieve
from qa.settings import Settings
from qa.text import terms
from qa.types import Answer, Document

QUESTION_WORDS = frozenset({"what", "who", "whom", "whose", "when", "where", "why", "how", "which"})
PRIOR_DEPTH = 20  # a previous passage outside this many is no longer relevant


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


AnswererT = TypeVar("AnswererT", bound=Answerer)


@dataclass(frozen=True)
class Turn:
    """One question and the answer given to it.

    Attributes:
        question: the question as asked.
        answer: the reply (its `question` is the question as asked, too).
        query: what was searched: the stand-alone rewrite of a follow-up ("" = question).
        kind: "standalone", a follow-up kind from `qa.converse.followup.Resolution`, "topic" (a
            question naming nothing of its own, searched with the previous question's
            topic words: `Chat._on_topic`) or "repeat".
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


@dataclass(frozen=True)
class SearchPlan:
    """One search a chat makes for a question: what is retrieved and how it is answered.

    With only `query`, `top_k` and `scope` set, the search is exactly `Assistant.ask`.

    Attributes:
        query: the stand-alone question passages are retrieved for.
        top_k: how many numbered sources the answer returns.
        scope: the document ids searched (None = all).
        wording: what answer sentences are matched against ("" = `query`): the question's
            own words, when the query carries names or topic words only to find passages.
        prior: the previous answer's passages, moved among the first `lead` passages read.
        lead: how many of the first passages the prior passage is moved among.
        excluded: sentences already quoted, skipped ("what else"); None = no exclusion.
        party: a comparison's party whose own words are quoted ("Xi"), with `others` the
            other parties compared.
        readings: how many wordings are answered (`wording`, then `query`); the better-
            calibrated answer wins.
    """

    query: str
    top_k: int
    scope: frozenset[str] | None = None
    _: KW_ONLY
    wording: str = ""
    prior: tuple[Range, ...] = ()
    lead: int = 0
    excluded: tuple[Range, ...] | None = None
    party: str | None = None
    others: tuple[str, ...] = ()
    readings: int = 2

    @property
    def words(self) -> str:
        """The wording answer sentences are matched against."""
        return self.wording or self.query


class Chat(Generic[AnswererT]):
    """A conversation with an assistant; `history` lists the turns so far, oldest first.

    Args:
        assistant: answers the questions (its documents, model and settings are used): a
            `qa.Assistant`, or anything with what `Answerer` names. The chat is generic in
            it, so `chat.assistant` keeps the type it was given.
        follow_ups: resolve follow-up questions from earlier turns; with False every
            question is answered on its own by `Assistant.ask` (to measure what the
            handling adds).
        aggregation: how long multi-sentence answers may grow.

    One chat is one person's conversation: a UI keeps one per session. Its methods may
    be called from several threads; turns are recorded one at a time.
    """

    def __init__(
        self,
        assistant: AnswererT,
        *,
        follow_ups: bool = True,
        aggregation: AggregationConfig | None = None,
    ) -> None:
        self.assistant = assistant
        self.follow_ups = follow_ups
        self.aggregation = aggregation or AggregationConfig()
        self._turns: list[Turn] = []
        self._lock = threading.Lock()

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
        query, reply = self._answer(resolution, turns, top_k, scope)
        reply = replace(reply, question=text)
        kind: str = resolution.kind
        if kind == "standalone" and query != resolution.query:
            kind = "topic"  # searched with the conversation's topic words (`_on_topic`)
        return self._record(Turn(text, reply, query, kind, top_k, scope, corpus))

    # ----- internals -----------------------------------------------------------------
    def _more(
        self, plan: SearchPlan, words: str, vector: np.ndarray, candidates: list[Candidate]
    ) -> Answer:
        """ "What else?": first what the previous answer's passage says besides, then wider.

        Continuing where the last answer was found is what "tell me more" means; only
        when that passage has nothing further that answers is the whole ranking used.
        """
        collection, answering = self.assistant.collection, self.assistant.settings.answering
        top_k, prior, excluded = plan.top_k, plan.prior, plan.excluded or ()
        here = [c for c in candidates[:1] if (c.chunk.doc_id, c.chunk.start, c.chunk.end) in prior]
        if here:
            local = answer_excluding(
                collection, words, vector, here, top_k, answering, excluded, self.aggregation,
                listed=candidates, on_topic=True,
            )  # fmt: skip
            if local.found:
                return local
        return answer_excluding(
            collection, words, vector, candidates, top_k, answering, excluded, self.aggregation
        )

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

    def _answer(
        self,
        resolution: Resolution,
        turns: list[Turn],
        top_k: int,
        scope: frozenset[str] | None,
    ) -> tuple[str, Answer]:
        """(the query searched, the answer) for a resolved question."""
        parties = comparison_queries(resolution.query)
        if parties:
            names = [party for party, _ in parties]
            plans = [
                SearchPlan(q, top_k, scope, lead=1, party=p, others=_others(p, names))
                for p, q in parties
            ]
            parts = [self._search(plan) for plan in plans]
            if any(part.found for part in parts):
                return resolution.query, merge(resolution.query, parts, top_k)
            # Neither party's own words are found: the question as a whole may still be.
        prior = tuple(_cited(turns[-1].answer)) if resolution.use_prior and turns else ()
        excluded = None
        if resolution.exclude_previous:
            excluded = tuple(quoted_ranges([t.answer for t in turns]))
        # "What else" continues where the last answer was: its passage is read first.
        lead = 1 if resolution.exclude_previous else self.assistant.settings.answering.passages
        plan = SearchPlan(
            resolution.query,
            top_k,
            scope,
            wording=resolution.answer_wording,
            prior=prior,
            lead=lead,
            excluded=excluded,
        )
        first = (resolution.query, self._search(plan))
        if resolution.kind == "standalone" and turns:
            return self._on_topic(resolution.query, first, turns[-1], top_k, scope)
        if first[1].found:
            if resolution.kind == "pronoun" and turns:
                return self._new_answer(resolution, first, turns[-1], top_k, scope)
            return first
        # The preferred reading found nothing: try the others ("and Afghanistan?" may swap
        # the topic rather than the person), keeping the preferred one if none does better.
        for query in resolution.alternatives:
            reply = self._search(replace(plan, query=query, wording=""))
            if reply.found:
                return query, reply
        return first

    def _on_topic(
        self,
        question: str,
        first: tuple[str, Answer],
        previous: Turn,
        top_k: int,
        scope: frozenset[str] | None,
    ) -> tuple[str, Answer]:
        """`first`, unless a question that names nothing of its own left the conversation's
        documents: then the question with the previous question's topic words, searched
        in the previous answer's documents, if that finds an answer.

        "Who first used the word?" after a turn about oxygen, or "In what year was it
        passed?" after one about a law, carry no marker of a follow-up, and on their own
        words they match some other document best. A question with a name of its own
        ("Where does Brazil rank in soybean production?") or an answer from the documents
        the conversation is about is left exactly as `Assistant.ask` answers it. The
        answer is chosen with the question's own words: the carried words only find the
        passages. (Comparing calibrated confidences cannot decide this: carried words
        raise the confidence of whatever passage they find.) Costs one more search, only
        when the question leaves the conversation's documents.
        """
        earlier = quoted_ranges([previous.answer]) or _cited(previous.answer)
        documents = frozenset(doc for doc, _, _ in earlier)
        if scope is not None:
            documents &= scope
        reply = first[1]
        if not documents or entities(question):
            return first
        if reply.found and any(doc in documents for doc, _, _ in quoted_ranges([reply])):
            return first
        own = {word.lower() for word in topic_words(question)}
        carried = [w for w in topic_words(previous.searched) if w.lower() not in own]
        query = " ".join([_bare(question), *dict.fromkeys(carried)]) + "?"
        plan = SearchPlan(query, top_k, documents, wording=question, readings=1)
        in_context = self._search(plan)
        return (query, in_context) if in_context.found else first

    def _new_answer(
        self,
        resolution: Resolution,
        first: tuple[str, Answer],
        previous: Turn,
        top_k: int,
        scope: frozenset[str] | None,
    ) -> tuple[str, Answer]:
        """`first`, unless it only quotes the previous answer again and the question's own
        words find a different answer in the previous answer's documents.

        A follow-up asks something new, but its rewrite carries the previous turn's names
        ("When did they win it before that?" -> "...Polonia Warsaw win Ekstraklasa
        Championship..."), and those pull the search back to the sentence that was just
        quoted. The question's own words describe what is new; searched within the
        documents the conversation is about, they are the better reading when they find
        an answer the calibrated confidence accepts. Costs one more search, only then.
        """
        reply = first[1]
        earlier = quoted_ranges([previous.answer])
        if not earlier or not _overlap(quoted_ranges([reply]), earlier):
            return first
        documents = frozenset(doc for doc, _, _ in earlier)
        if scope is not None:
            documents &= scope
        words = resolution.wording or resolution.question
        alone = self._search(SearchPlan(words, top_k, documents))
        if alone.found and not _within(quoted_ranges([alone]), quoted_ranges([reply])):
            return first[0], alone
        return first

    def _search(self, plan: SearchPlan) -> Answer:
        """Retrieve and answer one stand-alone query, as `Assistant.ask` does, plus what
        `plan` adds: passages found for its query but answer sentences matched against its
        wording, the previous turn's passage (`prior`) moved among the first `lead`
        passages read, `excluded` sentences skipped, list questions extended to several
        sentences, and a comparison's `party` quoted in its own words.
        """
        assistant = self.assistant
        settings = assistant.settings
        query, top_k, excluded = plan.query, plan.top_k, plan.excluded
        window = max(top_k, settings.answering.passages)
        several = wants_several(query)
        depth = window
        if several or excluded is not None or plan.party is not None:
            depth = max(depth, self.aggregation.passages)
        if plan.prior:
            depth = max(depth, PRIOR_DEPTH)
        query_vector = assistant.embedder.encode_query(query)
        candidates = retrieve(
            assistant.collection,
            query,
            query_vector,
            depth,
            settings.retrieval,
            documents=plan.scope,
        )
        candidates = _with_prior(candidates, plan.prior, plan.lead)
        replies = []
        for words in list(dict.fromkeys((plan.words, query)))[: plan.readings]:
            vector = query_vector if words == query else assistant.embedder.encode_query(words)
            if excluded is not None:
                reply = self._more(plan, words, vector, candidates)
            else:
                reply = answer(
                    assistant.collection, words, vector, candidates[:window], top_k,
                    settings.answering,
                )  # fmt: skip
            if plan.party is not None:
                reply = quote_about(
                    assistant.collection, reply, vector, candidates, top_k, settings.answering,
                    self.aggregation, plan.party, list(plan.others),
                )  # fmt: skip
            if several and excluded is None:
                reply = extend(
                    assistant.collection, reply, vector, candidates, top_k,
                    settings.answering, self.aggregation,
                )  # fmt: skip
            replies.append(reply)
        # Either wording may match the document's sentence better ("he said" vs "Putin
        # said"); the calibrated confidence of each says which did, the first winning ties.
        return max(replies, key=lambda reply: (reply.found, reply.confidence))


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


def _others(party: str, parties: list[str]) -> tuple[str, ...]:
    return tuple(name for name in parties if name != party)


def _bare(question: str) -> str:
    return question.strip().rstrip("?!. ").strip()


def _overlap(ranges: list[Range], others: list[Range]) -> bool:
    """Whether any of `ranges` shares characters with any of `others` (same document)."""
    return any(
        doc == other and start < other_end and other_start < end
        for doc, start, end in ranges
        for other, other_start, other_end in others
    )


def _within(ranges: list[Range], others: list[Range]) -> bool:
    """Whether every one of `ranges` lies inside one of `others` (nothing new is quoted)."""
    return all(
        any(doc == other and other_start <= start and end <= other_end
            for other, other_start, other_end in others)
        for doc, start, end in ranges
    )  # fmt: skip


def _cited(reply: Answer) -> list[Range]:
    """The passages an answer cites, as document ranges."""
    return [(s.doc_id, s.start, s.end) for s in reply.sources if s.answer_start is not None]


def _with_prior(
    candidates: list[Candidate], prior: Sequence[Range], window: int
) -> list[Candidate]:
    """Candidates with the previous answer's passage moved into the first `window`.

    A follow-up usually continues where the last answer was found; keeping that passage
    among those read for the answer lets its sentences compete, without forcing them: the
    sentence scores still decide. A passage the new query does not retrieve at all is
    not brought back.
    """
    if not prior:
        return candidates
    for position, candidate in enumerate(candidates):
        chunk = candidate.chunk
        if (chunk.doc_id, chunk.start, chunk.end) in prior:
            if position < window:
                return candidates
            moved = [*candidates[: window - 1], candidate]
            return moved + [c for c in candidates[window - 1 :] if c is not candidate]
    return candidates
