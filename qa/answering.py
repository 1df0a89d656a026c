"""Retrieved passages -> the answer sentence(s), their spans, a confidence, or a refusal.

Extractive on purpose: every word of an answer is a quote, so it can always be checked
against its cited source. A sentence is scored by its own dense similarity to the
question, by how much of the question's rarer vocabulary it contains, and by the rank of
its passage; the confidence is a logistic model over the strength of that evidence,
fitted on labelled questions (see `benchmarks/calibrate.py`), not set by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from embeddings.tokens import TokenEncoder
from qa.answer.reader import Reading, SentenceReader
from qa.answer.reading_text import reading_text
from qa.answer.short import ShortAnswerConfig, short_answer
from qa.block_chunking import heading_path
from qa.index import Collection
from qa.late_interaction import maxsim, question_matrix
from qa.retrieve import Candidate
from qa.structured_answer import structured_range
from qa.types import Answer, Document, Source, Span

NO_DOCUMENTS_TEXT = "There are no documents to search yet. Add a document, then ask again."


def not_found_text(has_sources: bool) -> str:
    """The reply when the evidence is too weak; says plainly that the answer is absent."""
    if has_sources:
        return (
            "The documents don't say. None of the passages answers this question; "
            "the nearest ones are listed as sources."
        )
    return "The documents don't say: nothing in them matches this question."


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


@dataclass(frozen=True)
class AnsweringConfig:
    """How the answer sentences are chosen and how sure we are of them.

    Attributes:
        passages: how many of the top passages are searched for the answer sentence.
        second_ratio: a second sentence is added when its probability of holding the
            answer reaches this share of the best one's; it must come from another
            passage or sit right next to the best one (one highlighted span per source).
        max_answer_chars: two sentences are given only if together they fit in this.
        sentence_model: logistic weights for sentence_features() followed by the intercept.
        calibration: logistic weights for evidence_features() followed by the intercept.
        threshold: confidence below which the reply is "the documents don't say".
        use_reader: answer with the trained reader when the collection has one; False
            falls back to the sentence model alone (the browser's and the API's switch).
        short: when the reader's phrase is given as the short answer (qa/answer/short.py).
    """

    passages: int = 3
    use_reader: bool = True
    # The reader reads only this many of the candidate sentences, the best by the
    # reader-free sentence model (None: all of them). Reading costs one MiniLM pass per
    # sentence; long structured passages hold dozens. Measured 2026-12-07 on XQuAD (one
    # run): 6 and 10 answer as all of them do (accuracy 0.901 / 0.900 / 0.900, refusal
    # 0.952, false refusal 0.034 for each; odd half 0.915); real-docs answered right 0.65
    # with 6 or 10, 0.675 with all (one question in 40), at a quarter of the reading.
    reader_sentences: int | None = 6
    # Past those, more sentences are read while all the text read stays within this many
    # characters (0: none). A documentation page's candidates are short lines (commands,
    # table rows, list items) that crowd the shortlist; prose sentences fill the budget
    # with the first six, so XQuAD reads what it read before. See docs/evaluation.md.
    reader_chars: int = 1000
    second_ratio: float = 0.15
    max_answer_chars: int = 500
    # A list, code block or table row quoted with its lead-in, caption or header row
    # (qa/structured_answer.py) may run to this many characters.
    max_structure_chars: int = 800
    # Fitted by `python -m benchmarks.fit_sentences` on the even XQuAD articles plus the
    # paraphrased development questions on them (tests/data/paraphrase_dev.jsonl) as a
    # ranking, then scaled to probabilities; checked on the odd articles. The weight on the
    # word-level match (the 9th) is the largest. A model that gives no token vectors gets
    # its pooled cosine in that place, a weaker stand-in these weights were not fitted for
    # (bundled article: 21/37 answerable right instead of 25/37). See docs/evaluation.md.
    sentence_model: tuple[float, ...] = (
        1.4143, 0.1173, 2.3067, 0.6317, 0.5591, -0.9292, -0.0399, -0.287, 6.6345, -8.1502,
    )  # fmt: skip
    # Fitted by `python -m benchmarks.calibrate` on the even XQuAD articles (with and
    # without each question's article) and the paraphrase development set; the threshold
    # refuses 95.2% of the even articles' removed-article questions. Held-out odd
    # articles: refusal 0.948, false refusal 0.022 (`qa eval --half odd`).
    calibration: tuple[float, ...] = (0.2891, 2.8121, 0.3505, 3.1403, -1.4023, 7.7856, -6.5919)
    threshold: float = 0.2825
    # With the trained reader (qa/answer/reader.py): the same fits with the reader's
    # log-odds as one more sentence feature and one more evidence feature, by the same two
    # commands with the reader on (`--index` of the XQuAD articles; QA_READER unset).
    # fit_sentences: its refit equals these weights. calibrate (2026-12-07): even articles
    # refusal 0.953, false refusal 0.041; held-out odd articles 0.953 / 0.026.
    reader_sentence_model: tuple[float, ...] = (
        0.3518, -1.5726, 1.9122, 1.0594, 0.3788, -0.6296, 0.1456, -0.2709, 2.2626, 0.522, -5.3269,
    )  # fmt: skip
    reader_calibration: tuple[float, ...] = (
        0.6146, 1.7848, -0.3649, 4.3575, -0.543, 2.7753, 0.2102, -3.4576,
    )  # fmt: skip
    reader_threshold: float = 0.3021
    # Settings(reader_token_vectors=False) drops the token vectors; its pooled-only fit
    # (`python -m benchmarks.token_vectors`) is in docs/benchmarks.md, not shipped.
    short: ShortAnswerConfig = field(default_factory=ShortAnswerConfig)

    def __post_init__(self) -> None:
        if self.passages < 1:
            raise ValueError(f"passages must be at least 1, got {self.passages}.")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}.")
        if not self.second_ratio >= 0.0:
            raise ValueError(f"second_ratio must be 0 or more, got {self.second_ratio}.")
        if self.reader_sentences is not None and self.reader_sentences < 1:
            raise ValueError(
                f"reader_sentences must be 1 or more (or None), got {self.reader_sentences}."
            )
        if self.reader_chars < 0:
            raise ValueError(f"reader_chars must be 0 or more, got {self.reader_chars}.")
        if not 0.0 <= self.reader_threshold <= 1.0:
            raise ValueError(
                f"reader_threshold must be between 0 and 1, got {self.reader_threshold}."
            )
        if len(self.calibration) != 7:
            raise ValueError("calibration must hold 6 weights and an intercept.")
        if len(self.sentence_model) != 10:
            raise ValueError("sentence_model must hold 9 weights and an intercept.")
        if len(self.reader_calibration) != 8:
            raise ValueError("reader_calibration must hold 7 weights and an intercept.")
        if len(self.reader_sentence_model) != 11:
            raise ValueError("reader_sentence_model must hold 10 weights and an intercept.")

    def sentence_weights(self, reader: bool) -> tuple[float, ...]:
        """The sentence model for answering with the reader, or without it."""
        return self.reader_sentence_model if reader else self.sentence_model

    def calibration_weights(self, reader: bool) -> tuple[tuple[float, ...], float]:
        """The confidence's weights and threshold, with the reader or without it."""
        if reader:
            return self.reader_calibration, self.reader_threshold
        return self.calibration, self.threshold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
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
        return _sigmoid(self.score)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


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


def score_sentences(
    collection: Collection,
    question: str,
    query_vector: np.ndarray,
    candidates: list[Candidate],
    config: AnsweringConfig,
) -> list[ScoredSentence]:
    """Every sentence of the top passages with its features and score, best first.

    With a reader on the collection, all these sentences go through it in one batch and
    its log-odds join the features. A sentence that only repeats its document's title is
    never a candidate: a title names the topic, it does not answer.
    """
    index, _ = collection.lexical()
    question_terms = index.query_terms(question)
    kind = question_kind(question)
    question_words = {w.lower() for w in re.findall(r"\w+", question)}
    pieces = _question_pieces(collection, question)
    reader = active_reader(collection, config)
    rows: list[tuple[int, Candidate, int, float, float]] = []
    seen: set[tuple[str, int]] = set()
    headings: dict[str, frozenset[Span]] = {}
    for position, candidate in enumerate(candidates[: config.passages]):
        chunk = candidate.chunk
        entry = collection.entry(chunk.doc_id)
        span_rows = range(chunk.first_sentence, chunk.last_sentence + 1)
        dense = (
            entry.sentence_vectors[chunk.first_sentence : chunk.last_sentence + 1] @ query_vector
        )
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
            rows.append((position, candidate, row, float(cosine), float(matched)))
    texts = [_sentence_text(collection, c.chunk.doc_id, row) for _, c, row, _, _ in rows]
    scored: list[ScoredSentence] = []
    for (position, candidate, row, cosine, matched), text in zip(rows, texts, strict=True):
        chunk = candidate.chunk
        cover = index.coverage(question_terms, index.terms_of((chunk.doc_id, row), text))
        features = sentence_features(
            kind,
            question_words,
            text,
            cosine,
            cover,
            position,
            candidate.score,
            row == chunk.first_sentence,
            matched,
        )
        span = collection.entry(chunk.doc_id).sentences[row]
        score = _linear(config.sentence_model, features)
        scored.append(
            ScoredSentence(
                chunk.doc_id, row, span, position, cosine, cover, score, matched, features
            )
        )
    scored.sort(key=lambda s: -s.score)
    if reader is None:
        return scored
    # The reader reads the shortlist in one batch; its log-odds join the features, scored
    # by the weights fitted with them. Sentences off the shortlist are not candidates.
    shortlist, texts = _shortlist(collection, scored, config)
    readings = reader.read(question, texts)
    read = [
        replace(
            s,
            score=_linear(config.reader_sentence_model, (*s.features, r.logit)),
            features=(*s.features, r.logit),
            reading=r,
        )
        for s, r in zip(shortlist, readings, strict=True)
    ]
    read.sort(key=lambda s: -s.score)
    return read


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


def _linear(model: tuple[float, ...], features: tuple[float, ...]) -> float:
    *weights, intercept = model
    return intercept + sum(w * f for w, f in zip(weights, features, strict=True))


def active_reader(collection: Collection, config: AnsweringConfig) -> SentenceReader | None:
    """The reader answering consults: the collection's, unless the settings turn it off."""
    return collection.reader if config.use_reader else None


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


def confidence(features: tuple[float, ...], config: AnsweringConfig, reader: bool = False) -> float:
    """Calibrated probability that the chosen sentence answers the question."""
    *weights, intercept = config.calibration_weights(reader)[0]
    return _sigmoid(intercept + sum(w * f for w, f in zip(weights, features, strict=True)))


def evidence_features(
    collection: Collection,
    question: str,
    best: ScoredSentence,
    top: Candidate,
) -> tuple[float, ...]:
    """(best sentence log-odds, its cosine, its coverage, top passage cosine, top passage
    best coverage, the best sentence's word-level match): how strong the evidence for the
    answer is, for the confidence; with the reader, its log-odds for that sentence too."""
    base = (best.score, best.dense, best.coverage, top.dense_score, top.coverage, best.late)
    return base if best.reading is None else (*base, best.reading.logit)


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


def answer(
    collection: Collection,
    question: str,
    query_vector: np.ndarray,
    candidates: list[Candidate],
    top_k: int,
    config: AnsweringConfig | None = None,
) -> Answer:
    """Build the reply from ranked candidates (at most `top_k` of them become sources)."""
    config = config or AnsweringConfig()
    if not candidates:
        text = NO_DOCUMENTS_TEXT if collection.passage_count == 0 else not_found_text(False)
        return Answer(question=question, text=text, found=False, confidence=0.0, sources=[])
    scored = score_sentences(collection, question, query_vector, candidates, config)
    if not scored:  # the passages found hold only headings and titles
        shown = _choose_sources(candidates, [], top_k)
        sources = [source_of(collection, n, c, None) for n, (_, c) in enumerate(shown, start=1)]
        return Answer(question, not_found_text(True), False, 0.0, sources)
    chosen = choose_sentences(scored, config)
    reader = scored[0].reading is not None
    evidence = evidence_features(collection, question, scored[0], candidates[0])
    belief = confidence(evidence, config, reader)
    if belief < config.calibration_weights(reader)[1]:
        shown = _choose_sources(candidates, [], top_k)
        sources = [source_of(collection, n, c, None) for n, (_, c) in enumerate(shown, start=1)]
        return Answer(question, not_found_text(True), False, belief, sources)
    if top_k < len({s.passage for s in chosen}):
        chosen = chosen[:1]
    cited = list(dict.fromkeys(s.passage for s in chosen))
    shown = _choose_sources(candidates, cited, top_k)
    numbers = {position: n for n, (position, _) in enumerate(shown, start=1)}
    ranges = {}  # passage position -> the quoted document range
    for position in cited:
        mine = [s for s in chosen if s.passage == position]
        chunk = candidates[position].chunk
        ranges[position] = structured_range(
            collection.entry(chunk.doc_id).document,
            (chunk.start, chunk.end),
            (mine[0].span.start, mine[-1].span.end),
            config.max_structure_chars,
        )
    sources = []
    for number, (position, candidate) in enumerate(shown, start=1):
        span = None
        if position in ranges:
            offset = candidate.chunk.start
            span = (ranges[position][0] - offset, ranges[position][1] - offset)
        sources.append(source_of(collection, number, candidate, span))
    quotes = []
    for position in cited:
        text = collection.entry(candidates[position].chunk.doc_id).document.text
        start, end = ranges[position]
        quotes.append(f"{text[start:end]} [{numbers[position]}]")
    short, sources = _with_short(collection, question, scored[0], numbers, sources, config)
    return Answer(question, " ".join(quotes), True, belief, sources, short)


def _with_short(
    collection: Collection,
    question: str,
    best: ScoredSentence,
    numbers: dict[int, int],
    sources: list[Source],
    config: AnsweringConfig,
) -> tuple[str | None, list[Source]]:
    """The short answer from the best sentence's reading, marked on the source citing it."""
    if best.passage not in numbers:
        return None, sources
    entry = collection.entry(best.doc_id)
    read = reading_text(entry.document, entry.sentences, best.index)
    text = entry.document.text
    span = short_answer(question, text, best.span, read, best.reading, config.short)
    if span is None:
        return None, sources
    number = numbers[best.passage]
    marked = [
        replace(s, short_start=span.start - s.start, short_end=span.end - s.start)
        if s.number == number
        else s
        for s in sources
    ]
    return text[span.start : span.end], marked


def _choose_sources(
    candidates: list[Candidate], cited: list[int], top_k: int
) -> list[tuple[int, Candidate]]:
    """The top_k passages in rank order, making room for cited ones that rank lower."""
    positions = list(range(min(top_k, len(candidates))))
    missing = [p for p in cited if p not in positions]
    if missing:
        keep = [p for p in positions if p in cited]
        others = [p for p in positions if p not in cited]
        room = top_k - len(keep) - len(missing)
        positions = sorted(keep + others[: max(0, room)] + missing)
    return [(p, candidates[p]) for p in positions]


def heading_spans(document: Document) -> frozenset[Span]:
    """The spans of a structured document's headings (none for plain text)."""
    return frozenset(Span(b.start, b.end) for b in document.blocks if b.kind == "heading")


def code_spans(document: Document, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Where code blocks lie inside the passage [start, end), as offsets into it."""
    return tuple(
        (max(b.start, start) - start, min(b.end, end) - start)
        for b in document.blocks
        if b.kind == "code" and b.start < end and b.end > start
    )


def source_of(
    collection: Collection, number: int, candidate: Candidate, span: tuple[int, int] | None
) -> Source:
    chunk = candidate.chunk
    document = collection.entry(chunk.doc_id).document
    return Source(
        number=number,
        doc_id=chunk.doc_id,
        title=document.title,
        text=chunk.text,
        path=heading_path(document, chunk.start),
        code=code_spans(document, chunk.start, chunk.end),
        start=chunk.start,
        end=chunk.end,
        score=candidate.score,
        answer_start=span[0] if span else None,
        answer_end=span[1] if span else None,
        dense_rank=candidate.dense_rank,
        lexical_rank=candidate.lexical_rank,
        dense_score=candidate.dense_score,
        lexical_score=candidate.lexical_score,
    )
