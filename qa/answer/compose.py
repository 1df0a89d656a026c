"""Retrieved passages -> the answer: quoted sentences cited to their sources, or a refusal.

Extractive on purpose: every word of an answer is a quote, so it can always be checked
against its cited source. The sentences are chosen in `qa.answer.sentences`, the
confidence comes from `qa.answer.confidence`, and the sources listed from
`qa.answer.sources`; this module puts them together into one `Answer`, with the short
answer (`qa.answer.short`) marked on the source that quotes it.
"""

from __future__ import annotations

from dataclasses import replace

from qa.answer.confidence import confidence, evidence_features
from qa.answer.evidence import Evidence
from qa.answer.reading_text import reading_text
from qa.answer.sentences import ScoredSentence, choose_sentences, score_sentences
from qa.answer.short import short_answer
from qa.answer.sources import choose_sources, nearest, source_of
from qa.answer.structured import structured_range
from qa.types import Answer, Source

NO_DOCUMENTS_TEXT = "There are no documents to search yet. Add a document, then ask again."


def not_found_text(has_sources: bool) -> str:
    """The reply when the evidence is too weak; says plainly that the answer is absent."""
    if has_sources:
        return (
            "The documents don't say. None of the passages answers this question; "
            "the nearest ones are listed as sources."
        )
    return "The documents don't say: nothing in them matches this question."


def answer(evidence: Evidence) -> Answer:
    """The reply to `evidence.question` from its ranked candidates.

    Returns a found Answer quoting the chosen sentence(s), each quote followed by the
    "[n]" of the source it comes from, with at most `top_k` sources (the cited ones always
    among them); or, when the calibrated confidence is below the threshold, "the documents
    don't say" with the nearest passages as sources. Costs one reader batch when the
    reader is on, else only arithmetic over vectors already in the collection.
    """
    collection, question, candidates = evidence.collection, evidence.question, evidence.candidates
    config = evidence.config
    if not candidates:
        text = NO_DOCUMENTS_TEXT if collection.passage_count == 0 else not_found_text(False)
        return Answer(question=question, text=text, found=False, confidence=0.0, sources=[])
    scored = score_sentences(evidence)
    if not scored:  # the passages found hold only headings and titles
        return _refusal(evidence, 0.0)
    chosen = choose_sentences(scored, config)
    reader = scored[0].reading is not None
    belief = confidence(evidence_features(scored[0], candidates[0]), config, reader)
    if belief < config.calibration_weights(reader)[1]:
        return _refusal(evidence, belief)
    if evidence.top_k < len({s.passage for s in chosen}):
        chosen = chosen[:1]
    return _quoting(evidence, chosen, belief, best=scored[0])


def _refusal(evidence: Evidence, belief: float) -> Answer:
    """ "The documents don't say", with the top passages listed as the nearest ones."""
    sources = nearest(evidence.collection, evidence.candidates, evidence.top_k)
    return Answer(evidence.question, not_found_text(True), False, belief, sources)


def _quoting(
    evidence: Evidence, chosen: list[ScoredSentence], belief: float, *, best: ScoredSentence
) -> Answer:
    """The found answer: each cited passage's quote with its marker, and the sources."""
    collection, candidates = evidence.collection, evidence.candidates
    cited = list(dict.fromkeys(s.passage for s in chosen))
    shown = choose_sources(candidates, cited, evidence.top_k)
    numbers = {position: n for n, (position, _) in enumerate(shown, start=1)}
    ranges = _quoted_ranges(evidence, chosen, cited)
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
    short, sources = _with_short(evidence, best, numbers=numbers, sources=sources)
    return Answer(evidence.question, " ".join(quotes), True, belief, sources, short)


def _quoted_ranges(
    evidence: Evidence, chosen: list[ScoredSentence], cited: list[int]
) -> dict[int, tuple[int, int]]:
    """Passage position -> the document range quoted from it: its chosen sentences, with
    the lead-in, caption or header row a list, code block or table row needs."""
    ranges = {}
    for position in cited:
        mine = [s for s in chosen if s.passage == position]
        chunk = evidence.candidates[position].chunk
        ranges[position] = structured_range(
            evidence.collection.entry(chunk.doc_id).document,
            (chunk.start, chunk.end),
            (mine[0].span.start, mine[-1].span.end),
            evidence.config.max_structure_chars,
        )
    return ranges


def _with_short(
    evidence: Evidence,
    best: ScoredSentence,
    *,
    numbers: dict[int, int],
    sources: list[Source],
) -> tuple[str | None, list[Source]]:
    """The short answer from the best sentence's reading, marked on the source citing it."""
    if best.passage not in numbers:
        return None, sources
    entry = evidence.collection.entry(best.doc_id)
    read = reading_text(entry.document, entry.sentences, best.index)
    text = entry.document.text
    span = short_answer(
        evidence.question, text, best.span, read, reading=best.reading, config=evidence.config.short
    )
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
