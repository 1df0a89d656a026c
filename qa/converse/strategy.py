"""How a chat searches a question resolved in the context of its turns: the follow-up strategy.

Each search is one `SearchPlan`. A follow-up keeps the previous answer's passage in view,
"what else" skips what was already quoted, a comparison is searched once per party
(`qa.converse.parties`) and a list question may quote several sentences
(`qa.answer.aggregation`). A follow-up whose rewrite only re-quotes the previous answer is
searched on its own words too, and a question that names nothing of its own but is
answered from some other document is searched again with the conversation's topic: both
decided by where the answer comes from, at one extra search.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import Self

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
from qa.answer.compose import answer
from qa.answer.evidence import Evidence
from qa.converse.followup import Resolution
from qa.converse.mentions import entities, topic_words
from qa.converse.parties import comparison_queries
from qa.converse.turn import Answerer, Turn
from qa.retrieve import Candidate, retrieve
from qa.types import Answer

PRIOR_DEPTH = 20  # a previous passage outside this many is no longer relevant


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


class FollowUpStrategy:
    """Searches and answers resolved questions, given the turns so far.

    Args:
        assistant: whose collection, embedder and settings are searched (`Answerer`).
        aggregation: how long multi-sentence answers may grow.

    Holds no conversation state: `Chat` keeps the turns and passes them in, so one
    strategy may serve any chat over the same assistant.
    """

    def __init__(self, assistant: Answerer, aggregation: AggregationConfig | None = None) -> None:
        self.assistant = assistant
        self.aggregation = aggregation or AggregationConfig()

    def over(self, assistant: Answerer) -> Self:
        """This strategy searching `assistant` instead (a copy; this one is unchanged)."""
        moved = copy.copy(self)
        moved.assistant = assistant
        return moved

    def respond(
        self,
        resolution: Resolution,
        turns: list[Turn],
        top_k: int,
        scope: frozenset[str] | None,
    ) -> tuple[str, Answer]:
        """(the query searched, the answer) for `resolution` after `turns` (oldest first).

        The query differs from the resolution's when another reading or the conversation's
        topic found the answer. Costs one search per reading tried (a comparison: one per
        party); `top_k` and `scope` are as in `Chat.ask`.
        """
        parties = comparison_queries(resolution.query)
        if parties:
            names = [party for party, _ in parties]
            plans = [
                SearchPlan(q, top_k, scope, lead=1, party=p, others=_others(p, names))
                for p, q in parties
            ]
            parts = [self.search(plan) for plan in plans]
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
        first = (resolution.query, self.search(plan))
        if resolution.kind == "standalone" and turns:
            return self._on_topic(resolution.query, first, turns[-1], top_k, scope)
        if first[1].found:
            if resolution.kind == "pronoun" and turns:
                return self._new_answer(resolution, first, turns[-1], top_k, scope)
            return first
        # The preferred reading found nothing: try the others ("and Afghanistan?" may swap
        # the topic rather than the person), keeping the preferred one if none does better.
        for query in resolution.alternatives:
            reply = self.search(replace(plan, query=query, wording=""))
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
        in_context = self.search(plan)
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
        alone = self.search(SearchPlan(words, top_k, documents))
        if alone.found and not _within(quoted_ranges([alone]), quoted_ranges([reply])):
            return first[0], alone
        return first

    def search(self, plan: SearchPlan) -> Answer:
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
            evidence = Evidence(
                collection=assistant.collection,
                question=words,
                query_vector=vector,
                candidates=candidates,
                top_k=top_k,
                config=settings.answering,
            )
            if excluded is not None:
                reply = self._more(plan, evidence)
            else:
                reply = answer(replace(evidence, candidates=candidates[:window]))
            if plan.party is not None:
                reply = quote_about(
                    evidence, reply, self.aggregation, party=plan.party, others=plan.others
                )
            if several and excluded is None:
                reply = extend(evidence, reply, self.aggregation)
            replies.append(reply)
        # Either wording may match the document's sentence better ("he said" vs "Putin
        # said"); the calibrated confidence of each says which did, the first winning ties.
        return max(replies, key=lambda reply: (reply.found, reply.confidence))

    def _more(self, plan: SearchPlan, evidence: Evidence) -> Answer:
        """ "What else?": first what the previous answer's passage says besides, then wider.

        Continuing where the last answer was found is what "tell me more" means; only
        when that passage has nothing further that answers is the whole ranking used.
        """
        prior, excluded = plan.prior, plan.excluded or ()
        candidates = evidence.candidates
        here = [c for c in candidates[:1] if (c.chunk.doc_id, c.chunk.start, c.chunk.end) in prior]
        if here:
            local = answer_excluding(
                replace(evidence, candidates=here),
                self.aggregation,
                excluded=excluded,
                listed=candidates,
                on_topic=True,
            )
            if local.found:
                return local
        return answer_excluding(evidence, self.aggregation, excluded=excluded)


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
