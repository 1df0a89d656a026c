"""Answers made of several quotes, each cited: lists, comparisons, "what else".

The core answer is one sentence (with a neighbour when it helps). Some questions need
more: "What did the two leaders agree on?" is answered by agreements spread over the
article. This module adds further sentences that score almost as well as the best one,
within a length budget, and merges answers so that every quote keeps its own "[n]" marker
and every marker names a source whose highlighted span is exactly that quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.answer.compose import not_found_text
from qa.answer.confidence import confidence, evidence_features
from qa.answer.evidence import Evidence
from qa.answer.sentences import ScoredSentence, score_sentences
from qa.answer.sources import nearest, source_of
from qa.index import Collection
from qa.retrieve import Candidate
from qa.text import fold
from qa.types import Answer, Source

# Questions whose answer is naturally a list of statements.
_SEVERAL = re.compile(
    r"\b(?:agree|agreed|agreement|agreements|all|list|everything|summar\w*|main points|"
    r"what else)\b",
    re.IGNORECASE,
)

Range = tuple[str, int, int]  # (document id, start, end) in the document's text


@dataclass(frozen=True)
class AggregationConfig:
    """How far a multi-sentence answer may grow.

    Attributes:
        max_chars: the quotes together stay within this many characters.
        ratio: a further sentence is added only if its likelihood of holding the answer
            (the logistic of the score the core ranks sentences by) reaches this share of
            the best sentence's.
        passages: how many of the top passages are searched for further sentences.
    """

    max_chars: int = 500
    ratio: float = 0.15
    passages: int = 6

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, got {self.max_chars}.")
        if not 0.0 < self.ratio <= 1.0:
            raise ValueError(f"ratio must be in (0, 1], got {self.ratio}.")
        if self.passages < 1:
            raise ValueError(f"passages must be at least 1, got {self.passages}.")


@dataclass(frozen=True)
class Quote:
    """One cited piece of an answer: the verbatim text and the source highlighting it."""

    text: str
    source: Source

    @property
    def range(self) -> Range:
        start = self.source.start + (self.source.answer_start or 0)
        return (self.source.doc_id, start, start + len(self.text))


def wants_several(question: str) -> bool:
    """True for questions answered by a list of statements ("What did they agree on?")."""
    return bool(_SEVERAL.search(question))


def quotes(reply: Answer) -> list[Quote]:
    """The cited quotes of an answer, in the order their markers appear in its text."""
    cited = [s for s in reply.sources if s.answer_start is not None and reply.found]
    cited.sort(key=lambda s: _marker_position(reply.text, s.number))
    return [Quote(s.answer, s) for s in cited]


def _marker_position(text: str, number: int) -> int:
    position = text.find(f"[{number}]")
    return position if position >= 0 else len(text)


def quoted_ranges(replies: Sequence[Answer]) -> list[Range]:
    """Where in the documents every quote of these answers comes from."""
    return [quote.range for reply in replies for quote in quotes(reply)]


def _overlaps(candidate: Range, ranges: Sequence[Range]) -> bool:
    doc_id, start, end = candidate
    return any(d == doc_id and start < e and s < end for d, s, e in ranges)


def merge(
    question: str, parts: Sequence[Answer], top_k: int, *, belief: float | None = None
) -> Answer:
    """One answer quoting every found part, each quote cited once, renumbered from 1.

    Quotes repeating an earlier one are dropped. Sources without a quote are listed after
    the cited ones, up to `top_k` sources in all (cited sources are never dropped, so an
    answer with more quotes than `top_k` has more sources than `top_k`). `belief` is the
    confidence of the result (default: the mean over the parts).
    """
    if not parts:
        raise ValueError("merge needs at least one answer to merge.")
    belief = belief if belief is not None else float(np.mean([p.confidence for p in parts]))
    found = [p for p in parts if p.found]
    if not found:
        return replace(parts[0], question=question, confidence=belief)
    kept: list[Quote] = []
    for quote in (q for part in found for q in quotes(part)):
        if not _overlaps(quote.range, [k.range for k in kept]):
            kept.append(quote)
    # A phrase answers one part; the merged answer has none, so no source carries one.
    sources = [
        replace(q.source, number=n, short_start=None, short_end=None)
        for n, q in enumerate(kept, start=1)
    ]
    seen = {(s.doc_id, s.start, s.end) for s in sources}
    for source in (s for part in parts for s in part.sources if s.answer_start is None):
        if len(sources) >= top_k:
            break
        if (source.doc_id, source.start, source.end) not in seen:
            seen.add((source.doc_id, source.start, source.end))
            sources.append(replace(source, number=len(sources) + 1))
    text = " ".join(f"{q.text} [{n}]" for n, q in enumerate(kept, start=1))
    return Answer(question, text, True, belief, sources)


def _quoted(
    collection: Collection,
    question: str,
    sentence: ScoredSentence,
    candidate: Candidate,
    belief: float,
) -> Answer:
    """An answer quoting exactly one sentence, cited to the passage it was found in."""
    chunk = candidate.chunk
    span = (sentence.span.start - chunk.start, sentence.span.end - chunk.start)
    source = source_of(collection, 1, candidate, span)
    return Answer(question, f"{source.answer} [1]", True, belief, [source])


def extend(evidence: Evidence, base: Answer, config: AggregationConfig) -> Answer:
    """`base` plus the further sentences that answer its question almost as well.

    `base` is the answer to `evidence.question`. It stays first and unchanged, so adding
    sentences never loses what the single-sentence answer said; the rest follow in score
    order while they fit within `config.max_chars`. A sentence must share words with the
    question, so a merely similar sentence is not added. Sentences are searched in the
    top `config.passages` passages.
    """
    if not base.found or not evidence.candidates:
        return base
    scored = score_sentences(evidence.reading(config.passages))
    if not scored:
        return base
    taken = quoted_ranges([base])
    budget = config.max_chars - sum(len(q.text) for q in quotes(base))
    best = scored[0].probability
    parts = [base]
    for sentence in scored:
        if sentence.probability < config.ratio * best:
            break
        length = sentence.span.end - sentence.span.start
        where = (sentence.doc_id, sentence.span.start, sentence.span.end)
        if sentence.coverage <= 0 or length + 1 > budget or _overlaps(where, taken):
            continue
        cited = evidence.candidates[sentence.passage]
        parts.append(_quoted(evidence.collection, base.question, sentence, cited, base.confidence))
        taken.append(where)
        budget -= length + 1
    if len(parts) == 1:
        return base
    return merge(base.question, parts, evidence.top_k, belief=base.confidence)


def quote_about(
    evidence: Evidence,
    base: Answer,
    config: AggregationConfig,
    *,
    party: str,
    others: Sequence[str],
) -> Answer:
    """The best sentence that names `party` and none of `others`, as a cited answer.

    In a comparison each party's own words are wanted; the best match for "what Xi said
    about Afghanistan" may be an introduction naming both leaders. `base` is the answer
    to `evidence.question`; it is returned when no such sentence is nearly as likely to
    answer (`config.ratio`).
    """
    if not base.found or not evidence.candidates:
        return base
    collection, candidates = evidence.collection, evidence.candidates
    scored = score_sentences(evidence.reading(config.passages))
    if not scored:
        return base
    best = scored[0].probability
    for sentence in scored:
        if sentence.probability < config.ratio * best:
            break
        text = fold(
            collection.entry(sentence.doc_id).document.text[sentence.span.start : sentence.span.end]
        )
        if fold(party) in text and not any(fold(other) in text for other in others):
            cited = candidates[sentence.passage]
            quoted = _quoted(collection, base.question, sentence, cited, base.confidence)
            listed = nearest(collection, candidates, evidence.top_k)
            rest = Answer(base.question, "", False, base.confidence, listed)
            return merge(base.question, [quoted, rest], evidence.top_k, belief=base.confidence)
    return base


def answer_excluding(
    evidence: Evidence,
    config: AggregationConfig,
    *,
    excluded: Sequence[Range],
    listed: Sequence[Candidate] | None = None,
    on_topic: bool = False,
) -> Answer:
    """The best sentence not already quoted ("What else did he say?"), or a refusal.

    The sentence comes from `evidence.candidates` (searched in the top `config.passages`);
    the sources listed besides it come from `listed` (default: the same candidates). With
    `on_topic` the candidates are known to be relevant (the passage the previous answer
    came from: "tell me more" means read on), so their best unquoted sentence is given
    whatever its score; a sentence there may say "he said" where the question says
    "Putin say".

    A further answer is given when the core's calibrated confidence accepts it on its
    own, or when it would have joined a list answer to the same question: it shares
    words with the question and is nearly as likely (`config.ratio`) as the best sentence
    overall, quoted or not. Its confidence is its own calibrated one, so a weaker
    "else" answer says so.
    """
    collection, question, candidates = evidence.collection, evidence.question, evidence.candidates
    if not candidates:
        return Answer(question, not_found_text(False), False, 0.0, [])
    scored = score_sentences(evidence.reading(config.passages))
    fresh = [s for s in scored if not _overlaps((s.doc_id, s.span.start, s.span.end), excluded)]
    shown = nearest(collection, listed or candidates, evidence.top_k)
    if not fresh:
        return Answer(question, not_found_text(True), False, 0.0, shown)
    best = fresh[0]
    cited = candidates[best.passage]
    reader = best.reading is not None
    belief = confidence(evidence_features(best, cited), evidence.config, reader)
    joins_list = best.coverage > 0 and best.probability >= config.ratio * scored[0].probability
    threshold = evidence.config.calibration_weights(reader)[1]
    if belief < threshold and not joins_list and not on_topic:
        return Answer(question, not_found_text(True), False, belief, shown)
    quoted = _quoted(collection, question, best, cited, belief)
    others = Answer(question, "", False, belief, shown)
    return merge(question, [quoted, others], evidence.top_k, belief=belief)
