"""Question sets: a question names its document by id, title or file name, and keeps its
other fields for grouping; a name that matches no document, or several, is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from qa.errors import QAError
from qa.evaluate.datasets import DatasetError, find_document, load_dataset
from qa.loading import load_path, load_text
from qa.types import Document


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def owls(tmp_path: Path) -> Document:
    file = tmp_path / "owls.md"
    file.write_text("# Owls\n\nThe barn owl hunts mice.\n", encoding="utf-8")
    return load_path(file)


def test_a_document_is_found_by_file_name_title_or_id(owls: Document) -> None:
    bees = load_text("Bees\n\nBees make honey.")
    documents = [owls, bees]

    assert find_document("owls.md", documents, where="q") == owls.id
    assert find_document("Owls", documents, where="q") == owls.id
    assert find_document(bees.id, documents, where="q") == bees.id
    assert find_document("Bees", documents, where="q") == bees.id


def test_a_jsonl_question_may_name_its_file(tmp_path: Path, owls: Document) -> None:
    path = write_jsonl(
        tmp_path / "set.jsonl",
        [{"question": "Who hunts mice?", "answers": ["barn owl"], "document": "owls.md"}],
    )

    dataset = load_dataset(path, documents=[owls])

    assert dataset.examples[0].document == owls.id


def test_an_unknown_document_name_is_refused_naming_the_question_and_the_name(
    tmp_path: Path, owls: Document
) -> None:
    path = write_jsonl(
        tmp_path / "set.jsonl",
        [
            {"question": "Who hunts mice?", "answers": ["owl"], "document": "owls.md"},
            {"question": "Who makes honey?", "answers": ["bees"], "document": "bees.txt"},
        ],
    )

    message = "set.jsonl: question 2 names unknown document 'bees.txt': no title, id or file name"
    with pytest.raises(DatasetError, match=re.escape(message)):
        load_dataset(path, documents=[owls])


def test_a_set_without_documents_says_to_give_them(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "set.jsonl", [{"question": "Who?", "answers": ["owl"], "document": "owls.md"}]
    )

    with pytest.raises(DatasetError, match=r"no documents are loaded .*--docs"):
        load_dataset(path)


def test_a_file_name_two_documents_share_is_refused_as_ambiguous(tmp_path: Path) -> None:
    for folder, text in (("a", "Owls hunt mice."), ("b", "Bees make honey.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(text, encoding="utf-8")
    documents = [load_path(tmp_path / "a" / "notes.txt"), load_path(tmp_path / "b" / "notes.txt")]

    message = "names document 'notes.txt', the file name of 2 documents"
    with pytest.raises(DatasetError, match=re.escape(message)):
        find_document("notes.txt", documents, where="set.jsonl: question 1")


def test_dataset_errors_are_the_assistants_errors() -> None:
    assert issubclass(DatasetError, QAError) and issubclass(DatasetError, ValueError)


def test_other_fields_of_a_question_are_kept_as_text(tmp_path: Path, owls: Document) -> None:
    record = {
        "question": "Who hunts mice?",
        "answers": ["owl"],
        "document": "owls.md",
        "kind": "table",
        "wraps_source_lines": True,
    }
    example = load_dataset(write_jsonl(tmp_path / "s.jsonl", [record]), documents=[owls]).examples[
        0
    ]

    assert example.value("kind") == "table"
    assert example.value("wraps_source_lines") == "true"
    assert example.value("document") == "owls.md"
    assert example.value("question") is None and example.value("note") is None
