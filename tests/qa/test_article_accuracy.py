"""Accuracy on the bundled article with the real model.

The questions (tests/data/article_questions.jsonl) were written from the article alone,
before the system was run on them: literal ones, paraphrases that share few words with the
text, and near-misses the article does not answer. An answer counts as right when its text
contains one of the expected words or phrases (case-insensitive). Run with -s to see the
figures; on failure the misses are listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa import Answer, Assistant
from qa.loading import bundled_article_path

QUESTIONS = Path(__file__).resolve().parent.parent / "data" / "article_questions.jsonl"
ANSWERED_BAR = 0.90  # share of answerable questions whose answer holds an expected word
REFUSED_BAR = 0.80  # share of unanswerable questions answered with found=False


@dataclass(frozen=True)
class Item:
    question: str
    answerable: bool
    expected: tuple[str, ...] = ()
    paraphrased: bool = False


def read_items(path: Path = QUESTIONS) -> list[Item]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            items.append(
                Item(
                    question=record["question"],
                    answerable=record["answerable"],
                    expected=tuple(record.get("expected", ())),
                    paraphrased=record.get("paraphrased", False),
                )
            )
    return items


def is_right(item: Item, answer: Answer) -> bool:
    text = answer.text.lower()
    return answer.found and any(phrase.lower() in text for phrase in item.expected)


def describe(item: Item, answer: Answer) -> str:
    return (
        f"  - {item.question!r}\n      expected one of {list(item.expected)}; "
        f"found={answer.found} confidence={answer.confidence:.2f}\n      got: {answer.text!r}"
    )


# ----- the question set itself (fast) ---------------------------------------------------------
ITEMS = read_items()
ANSWERABLE = [item for item in ITEMS if item.answerable]
UNANSWERABLE = [item for item in ITEMS if not item.answerable]


def test_the_question_set_is_big_enough_and_half_paraphrased() -> None:
    assert len(ANSWERABLE) >= 30
    assert sum(item.paraphrased for item in ANSWERABLE) >= len(ANSWERABLE) / 2
    assert len(UNANSWERABLE) >= 8
    assert len({item.question for item in ITEMS}) == len(ITEMS)


def test_every_expected_phrase_is_in_the_article() -> None:
    article = bundled_article_path().read_text(encoding="utf-8").lower()

    for item in ANSWERABLE:
        assert item.expected, item.question
        for phrase in item.expected:
            assert phrase.lower() in article, (item.question, phrase)


# ----- the system on it (slow, real model) -------------------------------------------
@pytest.fixture(scope="module")
def answers(real_assistant: Assistant) -> dict[str, Answer]:
    return {item.question: real_assistant.ask(item.question) for item in ITEMS}


@pytest.mark.slow
def test_questions_in_the_articles_own_words_are_answered(answers: dict[str, Answer]) -> None:
    literal = [item for item in ANSWERABLE if not item.paraphrased]
    misses = [item for item in literal if not is_right(item, answers[item.question])]
    details = "\n".join(describe(item, answers[item.question]) for item in misses)
    assert 1 - len(misses) / len(literal) >= ANSWERED_BAR, "misses:\n" + details


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="open (issue 2): paraphrased questions share few words with the text; word-level "
    "matching (MaxSim over MiniLM token vectors) lifted them from 3/22 to 10/22, the trained "
    "reader to 13/22. Measured 2026-12-07 with the reader: 28/37 answerable right (literal "
    "15/15, paraphrased 13/22); without it 25/37. The bar stays at 90%.",
)
def test_answerable_questions_are_answered_with_the_expected_words(
    answers: dict[str, Answer],
) -> None:
    misses = [item for item in ANSWERABLE if not is_right(item, answers[item.question])]
    share = 1 - len(misses) / len(ANSWERABLE)

    def tally(kind: list[Item]) -> str:
        return f"{sum(item not in misses for item in kind)}/{len(kind)}"

    literal = [item for item in ANSWERABLE if not item.paraphrased]
    paraphrased = [item for item in ANSWERABLE if item.paraphrased]
    report = (
        f"\nanswerable: {tally(ANSWERABLE)} = {share:.1%} (bar {ANSWERED_BAR:.0%}); "
        f"literal {tally(literal)}, paraphrased {tally(paraphrased)}"
    )
    details = "\n".join(describe(item, answers[item.question]) for item in misses)
    print(report + ("\nmisses:\n" + details if misses else ""))

    assert share >= ANSWERED_BAR, report + "\nmisses:\n" + details


@pytest.mark.slow
def test_no_fewer_are_answered_or_declined_than_the_shipped_reader_measured(
    answers: dict[str, Answer],
) -> None:
    """A floor under the open bars: the shipped reader's own figures (2026-12-07). A change
    that loses one of them fails here, before the README's figures go stale."""
    paraphrased = [item for item in ANSWERABLE if item.paraphrased]
    right = sum(is_right(item, answers[item.question]) for item in paraphrased)
    declined = sum(not answers[item.question].found for item in UNANSWERABLE)

    assert right >= 13, f"paraphrased answered {right}/{len(paraphrased)}, was 13"
    assert declined >= 12, f"unanswerable declined {declined}/{len(UNANSWERABLE)}, was 12"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="open (issue 23): four same-topic questions written 2026-12-07 before the reader ran "
    "on them (a vaccine, a meeting place, the economy, troops) are harder: measured with the "
    "reader 12/16 declined (10/12 of the older ones, 2/4 new), without it 11/16. Bar 80%.",
)
def test_most_unanswerable_questions_are_declined(answers: dict[str, Answer]) -> None:
    wrongly_answered = [item for item in UNANSWERABLE if answers[item.question].found]
    share = 1 - len(wrongly_answered) / len(UNANSWERABLE)

    report = (
        f"\nunanswerable declined (found=False): {len(UNANSWERABLE) - len(wrongly_answered)}"
        f"/{len(UNANSWERABLE)} = {share:.1%} (bar {REFUSED_BAR:.0%})"
    )
    details = "\n".join(
        f"  - {item.question!r}\n      answered with confidence "
        f"{answers[item.question].confidence:.2f}: {answers[item.question].text!r}"
        for item in wrongly_answered
    )
    print(report + ("\nanswered anyway:\n" + details if wrongly_answered else ""))

    assert share >= REFUSED_BAR, report + "\nanswered anyway:\n" + details
