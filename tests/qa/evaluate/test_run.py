"""Evaluation of a question set over files: documents named by file name, unanswerable
questions scored on being declined, and figures per group of a field such as `kind`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from qa import Assistant
from qa.answer.reader import Reading
from qa.evaluate.datasets import Dataset, DatasetError, load_dataset
from qa.evaluate.run import evaluate
from qa.evaluate.tally import Tally
from qa.loading import load_items

OWLS = "# Owls\n\nThe barn owl hunts mice at night over open fields. It nests in old barns.\n"
BEES = (
    "Bees\n\nHoney bees make honey from the nectar of flowers. A hive holds one queen and "
    "many workers.\n"
)
# With the fake encoder, the assistant declines the train question and answers the egg
# question from the owl passage, although neither is in the documents.
QUESTIONS = [
    {"question": "What does the barn owl hunt?", "document": "owls.md", "answers": ["mice"]},
    {"question": "What do honey bees make?", "document": "bees.txt", "answers": ["honey"]},
    {
        "question": "How many queens does a hive hold?",
        "document": "bees.txt",
        "answers": ["one queen"],
        "kind": "list",
    },
    {
        "question": "Which train leaves the station at noon?",
        "document": "bees.txt",
        "answers": [],
        "answerable": False,
    },
    {
        "question": "What colour is the barn owl's egg?",
        "document": "owls.md",
        "answers": [],
        "answerable": False,
        "kind": "list",
    },
]


def write_set(folder: Path, questions: list[dict[str, Any]]) -> Path:
    """The two documents in folder/docs and the questions (kind "prose" unless given)."""
    docs = folder / "docs"
    docs.mkdir()
    (docs / "owls.md").write_text(OWLS, encoding="utf-8")
    (docs / "bees.txt").write_text(BEES, encoding="utf-8")
    path = folder / "questions.jsonl"
    lines = [json.dumps({"kind": "prose", **q}) for q in questions]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    path = write_set(tmp_path, QUESTIONS)
    docs = sorted((tmp_path / "docs").iterdir())
    return load_dataset(path, documents=load_items(docs))


def test_questions_naming_a_file_are_matched_to_the_document_loaded_from_it(
    dataset: Dataset,
) -> None:
    ids = {Path(d.source).name: d.id for d in dataset.documents}

    assert [e.document for e in dataset.examples] == [
        ids["owls.md"],
        ids["bees.txt"],
        ids["bees.txt"],
        ids["bees.txt"],
        ids["owls.md"],
    ]


def test_unanswerable_questions_are_scored_on_being_declined(
    dataset: Dataset, fake_encoder: Any
) -> None:
    report = evaluate(Assistant(fake_encoder), dataset, refusal=False)
    metrics = report["default"]
    results = {r.question: r for r in report.configs[0].results}

    assert (metrics.questions, metrics.unanswerable) == (3, 2)
    assert results["Which train leaves the station at noon?"].found is False
    assert results["What colour is the barn owl's egg?"].found is True
    assert metrics.declined == pytest.approx(0.5)
    # The answerable figures are over the three answerable questions only.
    assert metrics.answer_accuracy == pytest.approx(1.0)
    assert metrics.false_refusal == 0.0
    assert metrics.hit[3] == pytest.approx(1.0)


def test_by_kind_tallies_each_group_apart(dataset: Dataset, fake_encoder: Any) -> None:
    report = evaluate(Assistant(fake_encoder), dataset, refusal=False, by="kind")
    groups = report.configs[0].groups

    assert groups == {
        "list": Tally(
            answerable=1, unanswerable=1, gold_at_3=1.0, answered_right=1.0, declined=0.0
        ),
        "prose": Tally(
            answerable=2, unanswerable=1, gold_at_3=1.0, answered_right=1.0, declined=1.0
        ),
    }
    table = report.table()
    assert "By kind (default):" in table
    assert table.splitlines()[-1].split() == ["prose", "2", "1.000", "1.000", "1", "1.000"]


def test_questions_without_the_field_form_their_own_group(
    tmp_path: Path, fake_encoder: Any
) -> None:
    questions = [{**QUESTIONS[0], "note": "wraps"}, *QUESTIONS[1:]]
    path = write_set(tmp_path, questions)
    dataset = load_dataset(path, documents=load_items(sorted((tmp_path / "docs").iterdir())))

    groups = evaluate(Assistant(fake_encoder), dataset, refusal=False, by="note").configs[0].groups

    assert {name: (t.answerable, t.unanswerable) for name, t in groups.items()} == {
        "(none)": (2, 2),
        "wraps": (1, 0),
    }


def test_grouping_by_a_field_no_question_has_is_refused(
    dataset: Dataset, fake_encoder: Any
) -> None:
    with pytest.raises(DatasetError, match=r"Cannot group questions by 'format'.*answerable"):
        evaluate(Assistant(fake_encoder), dataset, refusal=False, by="format")


class PhrasesReader:
    """A stand-in reader: a sentence holding one of `phrases` answers, with that phrase."""

    def __init__(self, *phrases: str) -> None:
        self.phrases = phrases

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        out = []
        for text in sentences:
            at, phrase = next(((text.find(p), p) for p in self.phrases if p in text), (-1, ""))
            span = (at, at + len(phrase)) if at >= 0 else (0, 1)
            out.append(Reading(12.0 if at >= 0 else -12.0, span, -0.1 if at >= 0 else -9.0))
        return out


def test_short_answers_are_scored_by_exact_match_and_token_f1(
    tmp_path: Path, fake_encoder: Any
) -> None:
    path = write_set(tmp_path, QUESTIONS[:3])
    docs = load_items(sorted((tmp_path / "docs").iterdir()))
    reader = PhrasesReader("mice", "make honey", "one queen and many")
    assistant = Assistant(fake_encoder, reader=reader)
    report = evaluate(assistant, load_dataset(path, documents=docs), refusal=False)
    results = {r.question: r for r in report.configs[0].results}
    owl = results["What does the barn owl hunt?"]
    assert (owl.short, owl.short_em, owl.short_f1) == ("mice", 1.0, 1.0)
    honey = results["What do honey bees make?"]
    assert (honey.short_em, honey.short_f1) == (0.0, pytest.approx(2 / 3))
    queen = results["How many queens does a hive hold?"]
    assert (queen.short_em, queen.short_f1) == (0.0, pytest.approx(2 / 3))
    m = report["default"]
    assert m.short_given == 1.0 and m.short_given_right == 1.0
    assert m.short_em == pytest.approx(1 / 3) and m.short_em_answered == pytest.approx(1 / 3)
    assert m.short_f1 == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    assert "Short answers" in report.table() and "given 1.000" in report.table()
