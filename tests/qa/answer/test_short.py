"""Short answers: the reader's phrase, verbatim from the quoted sentence, or none at all."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings import TextEncoder
from qa import Assistant
from qa.answer.reader import Reading
from qa.answer.short import ShortAnswerConfig, asks_for_explanation, phrase_span, short_answer
from qa.types import Answer, Span

ARTICLE = (
    "Solar panels\n"
    "The roof carries twelve solar panels. "
    "They were fitted by a local firm in the spring of 2019. "
    "The firm also serviced the heat pump.\n"
)


class PhraseReader:
    """Says the sentences holding `phrase` answer, and points at the phrase in them."""

    def __init__(self, phrase: str, score: float = -0.5) -> None:
        self.phrase = phrase
        self.score = score

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        readings = []
        for text in sentences:
            at = text.find(self.phrase)
            if at < 0:
                readings.append(Reading(-12.0, (0, min(4, len(text))), -9.0))
            else:
                readings.append(Reading(12.0, (at, at + len(self.phrase)), self.score))
        return readings


def assistant(encoder: TextEncoder, reader: PhraseReader | None) -> Assistant:
    return Assistant.from_texts([ARTICLE], titles=["Solar panels"], embedder=encoder, reader=reader)


def with_short(base: Assistant, short: ShortAnswerConfig) -> Assistant:
    answering = replace(base.settings.answering, short=short)
    return base.with_settings(replace(base.settings, answering=answering))


def sliced(answer: Answer, document: str) -> str:
    source = answer.short_source
    assert source is not None and source.short_start is not None and source.short_end is not None
    return document[source.start + source.short_start : source.start + source.short_end]


# ----- through the assistant ---------------------------------------------------------------
def test_the_short_answer_is_the_phrase_and_its_offsets_slice_the_document(
    fake_encoder: TextEncoder,
) -> None:
    answer = assistant(fake_encoder, PhraseReader("2019")).ask("When were the panels fitted?")
    assert answer.found
    assert answer.short == "2019"
    assert sliced(answer, ARTICLE) == "2019"
    source = answer.short_source
    assert source is not None and source.short == "2019"
    assert source.answer_start is not None and source.answer_end is not None
    assert source.answer_start <= source.short_start  # type: ignore[operator]
    assert source.short_end <= source.answer_end  # type: ignore[operator]


def test_the_quoted_answer_is_the_same_with_or_without_a_short_answer(
    fake_encoder: TextEncoder,
) -> None:
    base = assistant(fake_encoder, PhraseReader("2019"))
    question = "When were the panels fitted?"
    off = with_short(base, ShortAnswerConfig(enabled=False)).ask(question)
    on = base.ask(question)
    assert off.short is None
    assert (on.text, on.found, on.confidence) == (off.text, off.found, off.confidence)
    assert [s.answer for s in on.sources] == [s.answer for s in off.sources]


def test_an_unsure_span_head_gives_no_short_answer(fake_encoder: TextEncoder) -> None:
    base = assistant(fake_encoder, PhraseReader("2019", score=-3.0))
    answer = with_short(base, ShortAnswerConfig(threshold=-2.0)).ask("When were they fitted?")
    assert answer.found and answer.short is None
    assert all(s.short_start is None and s.short_end is None for s in answer.sources)
    sure = with_short(base, ShortAnswerConfig(threshold=-math.inf)).ask("When were they fitted?")
    assert sure.short == "2019"


def test_an_explanation_question_gets_no_short_answer(fake_encoder: TextEncoder) -> None:
    answer = assistant(fake_encoder, PhraseReader("2019")).ask("Why were the panels fitted?")
    assert answer.short is None


def test_a_refused_answer_has_no_short_answer(fake_encoder: TextEncoder) -> None:
    answer = assistant(fake_encoder, PhraseReader("no such words")).ask("Who won the cup final?")
    assert not answer.found
    assert answer.short is None
    assert all(s.short_start is None for s in answer.sources)


def test_without_the_reader_there_is_no_short_answer(fake_encoder: TextEncoder) -> None:
    answer = assistant(fake_encoder, None).ask("When were the panels fitted?")
    assert answer.short is None


# ----- mapping the phrase back to the document ---------------------------------------------
def test_a_phrase_read_after_a_lead_in_maps_to_its_place_in_the_sentence() -> None:
    text = "Install it:\npip install qa. Then run qa."
    sentence = Span(12, 28)  # "pip install qa. "
    read = f"Install it:\n{text[12:28]}"
    span = phrase_span(text, sentence, read, (read.index("pip"), read.index("pip") + 14))
    assert span is not None and text[span.start : span.end] == "pip install qa"


def test_a_phrase_of_a_rewritten_table_row_maps_back_only_when_verbatim() -> None:
    text = "Founded | 1998"
    row = Span(0, len(text))
    read = "Acme: Founded: 1998"
    assert phrase_span(text, row, read, (15, 19)) == Span(10, 14)
    assert phrase_span(text, row, read, (6, 19)) is None  # "Founded: 1998" is not in the row


def test_a_phrase_found_twice_in_a_rewritten_text_is_not_guessed() -> None:
    text = "1 | 1"
    assert phrase_span(text, Span(0, 5), "T: a: 1; b: 1", (12, 13)) is None


def test_separators_and_the_full_stop_are_trimmed_but_not_an_abbreviation() -> None:
    text = "It opened in 1998, in the U.S."
    whole = Span(0, len(text))
    assert phrase_span(text, whole, text, (13, 18)) == Span(13, 17)  # "1998,"
    assert text[26:30] == "U.S."
    assert phrase_span(text, whole, text, (26, 30)) == Span(26, 30)


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=30),
    sentence=st.text(min_size=1, max_size=60),
    after=st.text(max_size=30),
    lead=st.sampled_from(["", "Lead-in:\n"]),
    data=st.data(),
)
def test_offsets_always_slice_the_document_inside_the_sentence(
    before: str, sentence: str, after: str, lead: str, data: st.DataObject
) -> None:
    text = before + sentence + after
    span = Span(len(before), len(before) + len(sentence))
    read = lead + sentence
    start = data.draw(st.integers(0, len(read)))
    end = data.draw(st.integers(0, len(read)))
    found = phrase_span(text, span, read, (start, end))
    if found is None:
        return
    assert span.start <= found.start < found.end <= span.end  # never crosses the sentence
    assert text[found.start : found.end] in read[start:end]
    assert text[found.start : found.end] == text[found.start : found.end].strip(" \t\n,;:")


# ----- when to give one --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "explains"),
    [
        ("Why did the treaty fail?", True),
        ("How does the span head work?", True),
        ("how can I install it", True),
        ("Explain the refusal rule.", True),
        ("How many questions does XQuAD have?", False),
        ("How long is the river?", False),
        ("When was the treaty signed?", False),
        ("Who fitted the panels?", False),
    ],
)
def test_explanation_questions_are_recognised(question: str, explains: bool) -> None:
    assert asks_for_explanation(question) is explains


def test_the_threshold_must_be_a_log_probability() -> None:
    with pytest.raises(ValueError, match=r"threshold must be a log-probability.*got 0.5"):
        ShortAnswerConfig(threshold=0.5)
    with pytest.raises(ValueError, match="threshold must be a log-probability"):
        ShortAnswerConfig(threshold=math.nan)


def test_a_reading_below_the_threshold_or_missing_gives_none() -> None:
    text = "It opened in 1998."
    whole = Span(0, len(text))
    sure = Reading(5.0, (13, 17), -0.1)
    config = ShortAnswerConfig(threshold=-1.0)
    assert short_answer("When?", text, whole, text, reading=sure, config=config) == Span(13, 17)
    assert (
        short_answer(
            "When?", text, whole, text, reading=replace(sure, phrase_score=-2.0), config=config
        )
        is None
    )
    assert short_answer("When?", text, whole, text, reading=None, config=config) is None
