"""How a sentence is chosen: every sentence of the top passages scored, the best one picked.

A sentence is scored by its own dense similarity to the question, by how much of the
question's rarer vocabulary it contains, by a word-by-word match (`qa.answer.maxsim`), by
the rank of its passage and by whether it holds the kind of answer asked for (a number, a
date, a name); with the trained reader on, the reader's log-odds join these features. The
score is a logistic model's log-odds that the sentence holds the answer, fitted on labelled
questions (`benchmarks/fit_sentences.py`), not set by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from embeddings.tokens import TokenEncoder
from qa.answer.config import AnsweringConfig
from qa.answer.evidence import Evidence
from qa.answer.logistic import linear, sigmoid
from qa.answer.maxsim import maxsim, question_matrix
from qa.answer.reader import Reading, SentenceReader
from qa.answer.reading_text import reading_text
from qa.index import Collection
from qa.retrieve import Candidate
from qa.types import Document, Span

_NUMBER_QUESTION = re.compile(
    r"\bhow (many|much|long|far|old|large|big|tall)\b|\bwhat (percentage|number|amount)\b"
)
_TIME_QUESTION = re.compile(r"\b(when|what year|which year|what century|what date)\b")
_PERSON_QUESTION = re.compile(r"\b(who|whom|whose)\b")
_PLACE_QUESTION = re.compile(r"\bwhere\b")
_YEAR = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})s?\b|\b(January|February|March|April|May|June|July|August|"
    r"September|October|November|December|century|centuries)\b"
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z]+")


@dataclass(frozen=True, kw_only=True)
class ScoredSentence:
    """A sentence of a top passage; `score` is the log-odds that it holds the answer."""

    doc_id: str
    index: int  # in the document's sentence list
    span: Span
    passage: int  # position of its passage among the candidates (0-based)
    dense: float
    coverage: float
    score: float
    late: float = 0.0  # word-level (MaxSim) match with the question
    features: tuple[float, ...] = ()  # sentence_features(), kept for fitting the model
    reading: Reading | None = None  # the trained reader's view, when it is on

    @property
    def probability(self) -> float:
        return sigmoid(self.score)


def question_kind(question: str) -> str:
    """ "number", "time", "person", "place" or "other": what shape of answer is wanted."""
    lowered = question.lower()
    for kind, pattern in (
        ("number", _NUMBER_QUESTION),
        ("time", _TIME_QUESTION),
        ("person", _PERSON_QUESTION),
        ("place", _PLACE_QUESTION),
    ):
        if pattern.search(lowered):
            return kind
    return "other"


def _has_kind(kind: str, text: str, question_words: set[str]) -> bool:
    if kind == "number":
        return any(m.group(0).lower() not in question_words for m in _NUMBER.finditer(text))
    if kind == "time":
        return bool(_YEAR.search(text))
    return any(w.lower() not in question_words for w in _NAME.findall(text))


def sentence_features(
    kind: str,
    question_words: set[str],
    text: str,
    *,
    cosine: float,
    cover: float,
    position: int,
    passage_score: float,
    first: bool,
    late: float,
) -> tuple[float, ...]:
    """(cosine, coverage, 1/passage rank, passage score, kind found, kind missing,
    log length, first of its passage, word-level match): the evidence that one sentence
    holds the answer."""
    applicable = kind != "other"
    found = applicable and _has_kind(kind, text, question_words)
    return (
        cosine,
        cover,
        1.0 / (position + 1),
        passage_score,
        float(found),
        float(applicable and not found),
        math.log(max(len(text), 1)),
        float(first),
        late,
    )


class _Row(NamedTuple):
    """One candidate sentence before scoring: where it is and its two similarities."""

    position: int  # of its passage among the candidates
    candidate: Candidate
    row: int  # in the document's sentence list
    cosine: float
    matched: float  # word-level match, or the cosine standing in for it


def score_sentences(evidence: Evidence) -> list[ScoredSentence]:
    """Every sentence of the top `config.passages` passages with its features and score,
    best first.

    With a reader on the collection, the best sentences by the reader-free model go
    through it in one batch and its log-odds join the features; the rest are then no
    longer candidates. Headings, and a sentence that only repeats its document's title,
    are never candidates: a title names the topic, it does not answer.
    """
    collection, question, config = evidence.collection, evidence.question, evidence.config
    index, _ = collection.lexical()
    question_terms = index.query_terms(question)
    kind = question_kind(question)
    question_words = {w.lower() for w in re.findall(r"\w+", question)}
    rows = _candidate_rows(evidence, _question_pieces(collection, question))
    texts = [_sentence_text(collection, r.candidate.chunk.doc_id, r.row) for r in rows]
    scored: list[ScoredSentence] = []
    for (position, candidate, row, cosine, matched), text in zip(rows, texts, strict=True):
        chunk = candidate.chunk
        cover = index.coverage(question_terms, index.terms_of((chunk.doc_id, row), text))
        features = sentence_features(
            kind,
            question_words,
            text,
            cosine=cosine,
            cover=cover,
            position=position,
            passage_score=candidate.score,
            first=row == chunk.first_sentence,
            late=matched,
        )
        scored.append(
            ScoredSentence(
                doc_id=chunk.doc_id,
                index=row,
                span=collection.entry(chunk.doc_id).sentences[row],
                passage=position,
                dense=cosine,
                coverage=cover,
                score=linear(config.sentence_model, features),
                late=matched,
                features=features,
            )
        )
    scored.sort(key=lambda s: -s.score)
    reader = active_reader(collection, config)
    return scored if reader is None else _read(evidence, scored, reader)


def _candidate_rows(evidence: Evidence, pieces: np.ndarray | None) -> list[_Row]:
    """The sentences of the top passages, each once, headings and title lines left out."""
    collection, vector = evidence.collection, evidence.query_vector
    rows: list[_Row] = []
    seen: set[tuple[str, int]] = set()
    headings: dict[str, frozenset[Span]] = {}
    for position, candidate in enumerate(evidence.candidates[: evidence.config.passages]):
        chunk = candidate.chunk
        entry = collection.entry(chunk.doc_id)
        span_rows = range(chunk.first_sentence, chunk.last_sentence + 1)
        dense = entry.sentence_vectors[chunk.first_sentence : chunk.last_sentence + 1] @ vector
        tokens = collection.sentence_tokens(chunk.doc_id) if pieces is not None else None
        if pieces is not None and tokens is not None:
            late = maxsim(pieces, tokens, chunk.first_sentence, chunk.last_sentence)
        else:  # no token vectors: the pooled cosine stands in for the word-level match
            late = dense
        title = entry.document.title.strip()
        for row, cosine, matched in zip(span_rows, dense, late, strict=True):
            if (chunk.doc_id, row) in seen:
                continue
            seen.add((chunk.doc_id, row))
            span = entry.sentences[row]
            if span in headings.setdefault(chunk.doc_id, heading_spans(entry.document)):
                continue  # a heading names a topic; it is never the answer
            if _is_heading(entry.document.text, span, title):
                continue
            rows.append(_Row(position, candidate, row, float(cosine), float(matched)))
    return rows


def _read(
    evidence: Evidence, scored: list[ScoredSentence], reader: SentenceReader
) -> list[ScoredSentence]:
    """The reader's shortlist, rescored with its log-odds as one more feature, best first.

    The shortlist is read in one batch and scored by the weights fitted with the reader's
    log-odds; sentences off the shortlist are not candidates.
    """
    config = evidence.config
    shortlist, texts = _shortlist(evidence.collection, scored, config)
    contexts = [_context(evidence.collection, s.doc_id, s.index) for s in shortlist]
    readings = reader.read(evidence.question, texts, contexts)
    read = [
        replace(
            s,
            score=linear(config.reader_sentence_model, (*s.features, r.logit)),
            features=(*s.features, r.logit),
            reading=r,
        )
        for s, r in zip(shortlist, readings, strict=True)
    ]
    read.sort(key=lambda s: -s.score)
    return read


def _context(collection: Collection, doc_id: str, index: int) -> str:
    """The text a sentence is read after: the sentence before it in its document ("" for
    the first). A heading there is welcome: it names what the sentence is about."""
    if index == 0:
        return ""
    entry = collection.entry(doc_id)
    span = entry.sentences[index - 1]
    return entry.document.text[span.start : span.end]


def _shortlist(
    collection: Collection, scored: list[ScoredSentence], config: AnsweringConfig
) -> tuple[list[ScoredSentence], list[str]]:
    """The sentences the reader reads, best first, and the text it reads for each: the
    first `reader_sentences`, then more while the total text fits `reader_chars`."""
    if config.reader_sentences is None:
        chosen = scored
        return chosen, [_reading_text(collection, s.doc_id, s.index) for s in chosen]
    chosen, texts, total = [], [], 0
    for sentence in scored:
        text = _reading_text(collection, sentence.doc_id, sentence.index)
        if len(chosen) >= config.reader_sentences and total + len(text) > config.reader_chars:
            break
        chosen.append(sentence)
        texts.append(text)
        total += len(text)
    return chosen, texts


def active_reader(collection: Collection, config: AnsweringConfig) -> SentenceReader | None:
    """The reader answering consults: the collection's, unless the settings turn it off."""
    return collection.reader if config.use_reader else None


def choose_sentences(scored: list[ScoredSentence], config: AnsweringConfig) -> list[ScoredSentence]:
    """The best sentence, and a second one when it is nearly as likely to hold the answer.

    The second must sit in another passage or right beside the best one, so each source
    keeps one contiguous highlighted span.
    """
    best = scored[0]
    for other in scored[1:]:
        same_passage = other.passage == best.passage
        if same_passage and abs(other.index - best.index) != 1:
            continue
        length = (best.span.end - best.span.start) + (other.span.end - other.span.start)
        if (
            other.probability >= config.second_ratio * best.probability
            and length <= config.max_answer_chars
        ):
            pair = [best, other]
            return sorted(pair, key=lambda s: (s.passage, s.index)) if same_passage else pair
        break
    return [best]


def heading_spans(document: Document) -> frozenset[Span]:
    """The spans of a structured document's headings (none for plain text)."""
    return frozenset(Span(b.start, b.end) for b in document.blocks if b.kind == "heading")


def _is_heading(text: str, span: Span, title: str) -> bool:
    """A line of its own that repeats the title and ends without a full stop: a heading.

    A document given without a title is titled by its first words; that sentence is
    still text and stays a candidate, since it ends like one.
    """
    line = text[span.start : span.end].strip()
    if not title or line != title or line[-1:] in ".!?":
        return False
    return text[span.end : span.end + 1] in ("\n", "")


def _sentence_text(collection: Collection, doc_id: str, row: int) -> str:
    entry = collection.entry(doc_id)
    span = entry.sentences[row]
    return entry.document.text[span.start : span.end]


def _reading_text(collection: Collection, doc_id: str, row: int) -> str:
    entry = collection.entry(doc_id)
    return reading_text(entry.document, entry.sentences, row)


def _question_pieces(collection: Collection, question: str) -> np.ndarray | None:
    """The question's content token vectors, or None when the collection keeps none."""
    encoder = collection.embedder
    if not collection.keeps_tokens or not isinstance(encoder, TokenEncoder):
        return None
    return question_matrix(question, encoder.query_tokens(question))
