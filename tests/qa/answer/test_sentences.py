"""How a sentence is chosen: the kind of answer asked for, the features, the best sentence
and when a second one joins it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import pytest

from qa import Assistant
from qa.answer.config import AnsweringConfig
from qa.answer.evidence import Evidence
from qa.answer.sentences import (
    ScoredSentence,
    choose_sentences,
    question_kind,
    score_sentences,
    sentence_features,
)
from qa.types import Span


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people live there?", "number"),
        ("When was the treaty signed?", "time"),
        ("Who knows whether the shoe fits?", "person"),
        ("Where did they meet?", "place"),
        ("What did Putin say about external forces?", "other"),
    ],
)
def test_the_kind_of_answer_asked_for(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def _features(kind: str, text: str, *, first: bool) -> tuple[float, ...]:
    return sentence_features(
        kind,
        {"how", "many", "people"},
        text,
        cosine=0.5,
        cover=0.25,
        position=1,
        passage_score=2.0,
        first=first,
        late=0.7,
    )


def test_features_say_whether_the_sentence_holds_the_kind_asked_for() -> None:
    with_number = _features("number", "About 300 people.", first=True)
    without = _features("number", "Many people.", first=False)

    assert with_number == (0.5, 0.25, 0.5, 2.0, 1.0, 0.0, math.log(17), 1.0, 0.7)
    assert without[4:6] == (0.0, 1.0) and without[7] == 0.0
    assert _features("other", "Many people.", first=False)[4:6] == (0.0, 0.0)


def test_scored_sentences_come_best_first_from_the_top_passages(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    evidence = evidence_for(fake_assistant, "What did Putin say about external forces?")

    scored = score_sentences(evidence)

    assert scored == sorted(scored, key=lambda s: -s.score)
    assert {s.passage for s in scored} <= set(range(evidence.config.passages))
    assert len({(s.doc_id, s.index) for s in scored}) == len(scored)
    text = fake_assistant.collection.entry(scored[0].doc_id).document.text
    assert text[scored[0].span.start : scored[0].span.end].startswith("Putin said the current")


def test_a_heading_is_never_a_candidate(
    fake_assistant: Assistant, evidence_for: Callable[..., Evidence]
) -> None:
    document = fake_assistant.documents[0]
    title_spans = {
        s for s in fake_assistant.collection.entry(document.id).sentences
        if document.text[s.start : s.end].strip() == document.title.strip()
    }  # fmt: skip

    scored = score_sentences(evidence_for(fake_assistant, document.title))

    assert title_spans and not title_spans & {s.span for s in scored}


def _sentence(passage: int, index: int, score: float, length: int = 50) -> ScoredSentence:
    return ScoredSentence(
        doc_id="d",
        index=index,
        span=Span(index * 100, index * 100 + length),
        passage=passage,
        dense=0.5,
        coverage=0.5,
        score=score,
    )


def test_a_nearly_as_likely_neighbour_joins_the_best_sentence_in_document_order() -> None:
    best, neighbour = _sentence(0, 5, 2.0), _sentence(0, 4, 1.5)

    assert choose_sentences([best, neighbour], AnsweringConfig()) == [neighbour, best]


def test_a_second_sentence_far_away_in_the_same_passage_is_skipped() -> None:
    best, far, other = _sentence(0, 5, 2.0), _sentence(0, 9, 1.9), _sentence(1, 2, 1.8)

    assert choose_sentences([best, far, other], AnsweringConfig()) == [best, other]


def test_a_much_less_likely_or_too_long_second_sentence_is_left_out() -> None:
    best = _sentence(0, 5, 3.0)
    config = AnsweringConfig()

    assert choose_sentences([best, _sentence(1, 2, -5.0)], config) == [best]
    too_long = _sentence(1, 2, 2.9, length=config.max_answer_chars)
    assert choose_sentences([best, too_long], config) == [best]
    assert choose_sentences([best, replace(too_long, span=Span(0, 10))], config) == [
        best,
        replace(too_long, span=Span(0, 10)),
    ]
