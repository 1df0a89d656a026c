"""Answering: a verbatim quote with a citation that resolves, its span marked in the cited
passage; a plain "the documents don't say" with the nearest passages when evidence is weak."""

from __future__ import annotations

import re

import pytest

from embeddings import TextEncoder
from qa import Answer, Assistant, Settings
from qa.answer.compose import NO_DOCUMENTS_TEXT
from qa.answer.config import AnsweringConfig

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


def cited_quotes(answer: Answer) -> list[tuple[str, int]]:
    """The (quote, source number) segments of a found answer: "quote [n] quote [m]"."""
    segments = [
        (match.group(1), int(match.group(2)))
        for match in re.finditer(r"(.+?) \[(\d+)\](?: |$)", answer.text, flags=re.DOTALL)
    ]
    assert segments, f"no 'quote [n]' in {answer.text!r}"
    assert " ".join(f"{q} [{n}]" for q, n in segments) == answer.text
    return segments


# ----- found answers ----------------------------------------------------------------------
@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_every_citation_marker_names_a_source(fake_assistant: Assistant, question: str) -> None:
    answer = fake_assistant.ask(question)

    numbers = {source.number for source in answer.sources}
    assert numbers == set(range(1, len(answer.sources) + 1))
    assert answer.found
    assert {int(n) for n in MARKER.findall(answer.text)} <= numbers


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_each_quote_is_the_answer_span_of_the_source_it_cites(
    fake_assistant: Assistant, question: str
) -> None:
    answer = fake_assistant.ask(question)

    segments = cited_quotes(answer)

    for quote, number in segments:
        cited = answer.sources[number - 1]
        assert cited.answer == quote
        document = next(d for d in fake_assistant.documents if d.id == cited.doc_id)
        assert cited.answer_start is not None and cited.answer_end is not None
        start, end = cited.start + cited.answer_start, cited.start + cited.answer_end
        assert document.text[start:end] == quote
    cited_numbers = {number for _, number in segments}
    assert all(s.answer_start is None for s in answer.sources if s.number not in cited_numbers)


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_each_quote_is_whole_sentences_of_the_document(
    fake_assistant: Assistant, question: str
) -> None:
    answer = fake_assistant.ask(question)

    for _, number in cited_quotes(answer):
        cited = answer.sources[number - 1]
        assert cited.answer_start is not None and cited.answer_end is not None
        sentences = fake_assistant.collection.entry(cited.doc_id).sentences
        assert cited.start + cited.answer_start in {span.start for span in sentences}
        assert cited.start + cited.answer_end in {span.end for span in sentences}


def test_a_clear_question_gets_the_sentence_that_answers_it(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("What did Putin say about external forces?")

    quote, number = cited_quotes(answer)[0]
    assert quote.startswith("Putin said the current evolution of the situation")
    assert quote.endswith("to the relevant countries.")
    assert number == 1
    assert 0.5 <= answer.confidence <= 1.0


@pytest.mark.parametrize("question", ARTICLE_QUESTIONS)
def test_with_one_source_every_marker_cites_it(fake_assistant: Assistant, question: str) -> None:
    answer = fake_assistant.ask(question, top_k=1)

    assert len(answer.sources) == 1
    segments = cited_quotes(answer)
    assert {number for _, number in segments} == {1}
    assert answer.sources[0].answer in {quote for quote, _ in segments}


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
    for quote, number in cited_quotes(answer):
        assert answer.sources[number - 1].answer == quote


def test_an_empty_collection_says_there_is_nothing_to_search(
    fake_encoder: TextEncoder,
) -> None:
    answer = Assistant(fake_encoder).ask("Anything there?")

    assert answer == Answer("Anything there?", NO_DOCUMENTS_TEXT, False, 0.0, [])


# ----- confidence -------------------------------------------------------------------------
@pytest.mark.parametrize("question", [*ARTICLE_QUESTIONS, UNRELATED, "How long did it last?"])
@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
def test_found_exactly_when_the_confidence_reaches_the_threshold(
    fake_encoder: TextEncoder, question: str, threshold: float
) -> None:
    settings = Settings(answering=AnsweringConfig(threshold=threshold))
    assistant = Assistant.default(embedder=fake_encoder, settings=settings)

    answer = assistant.ask(question)

    assert 0.0 <= answer.confidence <= 1.0
    assert answer.found == (answer.confidence >= threshold)
