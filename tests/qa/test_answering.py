"""Answering: a verbatim quote with a citation that resolves, its span marked in the cited
passage; a plain "the documents don't say" with the nearest passages when evidence is weak."""

from __future__ import annotations

import re

import pytest

from embeddings import TextEncoder
from qa import Answer, Assistant, Settings
from qa.answering import NO_DOCUMENTS_TEXT, AnsweringConfig, confidence

ARTICLE_QUESTIONS = [
    "What did Putin say about external forces?",
    "Which organization do the Presidents intend to use?",
    "Who knows whether the shoe fits?",
    "What did Xi say about vaccine research?",
    "What does China respect about Afghanistan?",
    "Which anniversary of the treaty is celebrated this year?",
]
UNRELATED = "What is the recipe for lemon meringue pie?"
MARKER = re.compile(r"\[(\d+)\]")


def quote_and_number(answer: Answer) -> tuple[str, int]:
    """Split "quote [n]" into its parts (the answer format for found answers)."""
    match = re.fullmatch(r"(.+) \[(\d+)\]", answer.text, flags=re.DOTALL)
    assert match, f"not of the form 'quote [n]': {answer.text!r}"
    return match.group(1), int(match.group(2))


# ----- found answers ----------------------------------------------------------------------
@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_every_citation_marker_names_a_source(fake_assistant: Assistant, question: str) -> None:
    answer = fake_assistant.ask(question)

    numbers = {source.number for source in answer.sources}
    assert numbers == set(range(1, len(answer.sources) + 1))
    assert answer.found
    assert {int(n) for n in MARKER.findall(answer.text)} <= numbers


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_the_answer_span_in_the_cited_passage_is_the_quote(
    fake_assistant: Assistant, question: str
) -> None:
    answer = fake_assistant.ask(question)
    quote, number = quote_and_number(answer)

    cited = answer.sources[number - 1]
    assert cited.answer == quote
    document = next(d for d in fake_assistant.documents if d.id == cited.doc_id)
    assert cited.answer_start is not None and cited.answer_end is not None
    assert document.text[cited.start + cited.answer_start : cited.start + cited.answer_end] == quote
    assert all(s.answer_start is None for s in answer.sources if s.number != number)


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_the_quote_is_whole_sentences_of_the_document(
    fake_assistant: Assistant, question: str
) -> None:
    answer = fake_assistant.ask(question)
    _, number = quote_and_number(answer)
    cited = answer.sources[number - 1]

    entry = fake_assistant.collection.entry(cited.doc_id)
    starts = {span.start for span in entry.sentences}
    ends = {span.end for span in entry.sentences}
    assert cited.start + cited.answer_start in starts  # type: ignore[operator]
    assert cited.start + cited.answer_end in ends  # type: ignore[operator]


def test_a_clear_question_gets_the_sentence_that_answers_it(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("What did Putin say about external forces?")

    assert answer.text.startswith("Putin said the current evolution of the situation")
    assert answer.text.endswith("to the relevant countries. [1]")
    assert 0.5 <= answer.confidence <= 1.0


def test_a_very_short_best_sentence_comes_with_its_neighbour(fake_assistant: Assistant) -> None:
    # "“Only the wearer knows whether the shoe fits,” he said." is under 60 characters.
    quote, _ = quote_and_number(fake_assistant.ask("Who knows whether the shoe fits?"))

    assert "Only the wearer knows whether the shoe fits" in quote
    assert len(quote) > len("“Only the wearer knows whether the shoe fits,” he said.")


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_with_one_source_the_cited_passage_is_that_source(
    fake_assistant: Assistant, question: str
) -> None:
    answer = fake_assistant.ask(question, top_k=1)

    assert len(answer.sources) == 1
    quote, number = quote_and_number(answer)
    assert number == 1
    assert answer.sources[0].answer == quote


# ----- how many sources ---------------------------------------------------------------------
@pytest.mark.parametrize("top_k", [1, 2, 3, 6, 10, 100])
@pytest.mark.parametrize("question", [ARTICLE_QUESTIONS[0], UNRELATED])
def test_sources_number_min_of_top_k_and_the_passages_available(
    fake_assistant: Assistant, question: str, top_k: int
) -> None:
    available = fake_assistant.collection.passage_count  # 6: headline and five paragraphs

    answer = fake_assistant.ask(question, top_k=top_k)

    assert len(answer.sources) == min(top_k, available)
    assert [s.number for s in answer.sources] == list(range(1, len(answer.sources) + 1))
    assert len({(s.doc_id, s.start) for s in answer.sources}) == len(answer.sources)


# ----- not found ----------------------------------------------------------------------------
def test_an_unrelated_question_is_not_answered_but_the_nearest_passages_are_listed(
    fake_assistant: Assistant,
) -> None:
    answer = fake_assistant.ask(UNRELATED)

    assert not answer.found
    assert answer.text.startswith("The documents don't say.")
    assert "nearest ones are listed as sources" in answer.text
    assert len(answer.sources) == 3
    assert all(s.answer_start is None and s.answer_end is None for s in answer.sources)
    assert not MARKER.search(answer.text)
    assert 0.0 <= answer.confidence < 0.5


def test_with_the_threshold_at_one_nothing_is_ever_answered(fake_encoder: TextEncoder) -> None:
    settings = Settings(answering=AnsweringConfig(threshold=1.0))
    assistant = Assistant.default(embedder=fake_encoder, settings=settings)

    answer = assistant.ask(ARTICLE_QUESTIONS[0])

    assert not answer.found and answer.sources


def test_with_the_threshold_at_zero_the_best_sentence_is_always_given(
    fake_encoder: TextEncoder,
) -> None:
    settings = Settings(answering=AnsweringConfig(threshold=0.0))
    assistant = Assistant.default(embedder=fake_encoder, settings=settings)

    answer = assistant.ask(UNRELATED)

    assert answer.found
    quote, number = quote_and_number(answer)
    assert answer.sources[number - 1].answer == quote


def test_an_empty_collection_says_there_is_nothing_to_search(
    fake_encoder: TextEncoder,
) -> None:
    answer = Assistant(fake_encoder).ask("Anything there?")

    assert answer == Answer("Anything there?", NO_DOCUMENTS_TEXT, False, 0.0, [])


# ----- confidence -------------------------------------------------------------------------
def test_confidence_is_a_probability_that_rises_with_each_kind_of_evidence() -> None:
    config = AnsweringConfig()
    weak = (0.1, 0.1, 0.1, 0.1)

    base = confidence(weak, config)

    assert 0.0 < base < 1.0
    for feature in range(4):
        stronger = tuple(0.9 if i == feature else v for i, v in enumerate(weak))
        assert confidence(stronger, config) > base  # type: ignore[arg-type]


def test_confidence_stays_finite_for_extreme_features() -> None:
    config = AnsweringConfig()

    assert confidence((1e6, 1e6, 1e6, 1e6), config) == pytest.approx(1.0)
    assert confidence((-1e6, -1e6, -1e6, -1e6), config) == pytest.approx(0.0)


# ----- settings -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"passages": 0}, r"passages must be at least 1, got 0\."),
        ({"threshold": 1.5}, r"threshold must be between 0 and 1, got 1\.5\."),
        ({"calibration": (1.0, 2.0)}, r"calibration must hold 4 weights and an intercept\."),
    ],
)
def test_settings_are_validated(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AnsweringConfig(**settings)  # type: ignore[arg-type]
