"""Labelled question sets: SQuAD-format JSON and our own simple JSON/JSONL format.

Our format (documented in docs/evaluation.md):

    {"documents": [{"title": "...", "text": "..."}, ...],      # or "path": "file.txt"
     "questions": [{"question": "...", "answers": ["..."], "document": "title",
                    "answerable": true}, ...]}

or JSONL with one question object per line (documents then come from --docs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import DocumentError
from qa.loading import load_path, load_text
from qa.types import Document


class DatasetError(DocumentError):
    """A question set is malformed; the message says where."""


@dataclass(frozen=True)
class Example:
    """One labelled question.

    Attributes:
        document: the id of the document that holds the answer, or None if unknown.
        answerable: False for questions the documents do not answer.
    """

    id: str
    question: str
    answers: tuple[str, ...]
    document: str | None = None
    answerable: bool = True


@dataclass(frozen=True)
class Dataset:
    name: str
    documents: list[Document] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    def half(self, which: str) -> Dataset:
        """The questions on the even- or odd-numbered documents, over the whole corpus.

        Settings are tuned on the even half and reported on the odd half, which tuning
        never saw; the corpus stays whole so retrieval is as hard as in the full run.
        """
        if which not in ("even", "odd"):
            raise DatasetError(f"half must be 'even' or 'odd', got {which!r}.")
        keep = {d.id for i, d in enumerate(self.documents) if (i % 2 == 0) == (which == "even")}
        examples = [e for e in self.examples if e.document in keep]
        return Dataset(f"{self.name} ({which} documents)", self.documents, examples)


def load_dataset(
    path: str | os.PathLike[str], *, documents: list[Document] | None = None
) -> Dataset:
    """Read a SQuAD-format file or our own JSON/JSONL question set.

    Args:
        path: the file.
        documents: the corpus for a JSONL file (whose lines hold only questions).

    Raises:
        DatasetError: unreadable or malformed, with the file and the problem named.
    """
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise DatasetError(f"Cannot read dataset {file}: {err.strerror or err}") from err
    if file.suffix.lower() == ".jsonl":
        records = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise DatasetError(f"{file}, line {number}: not JSON ({err.msg}).") from err
        return _own_format(file, {"questions": records}, documents or [])
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise DatasetError(f"{file} is not JSON: {err.msg} at line {err.lineno}.") from err
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return _squad(file, data)
    if isinstance(data, dict) and "questions" in data:
        return _own_format(file, data, documents or [])
    raise DatasetError(
        f"{file} is neither SQuAD format (a 'data' list) nor ours (a 'questions' list)."
    )


def _squad(file: Path, data: dict[str, Any]) -> Dataset:
    """One document per article (its paragraphs joined by blank lines)."""
    documents: list[Document] = []
    examples: list[Example] = []
    try:
        for article in data["data"]:
            title = str(article.get("title", "")).replace("_", " ").strip()
            paragraphs = [p["context"].strip() for p in article["paragraphs"]]
            document = load_text("\n\n".join(paragraphs), title=title or None)
            documents.append(document)
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = tuple(a["text"] for a in qa.get("answers", []))
                    impossible = bool(qa.get("is_impossible", False)) or not answers
                    examples.append(
                        Example(str(qa["id"]), qa["question"], answers, document.id, not impossible)
                    )
    except (KeyError, TypeError, AttributeError) as err:
        raise DatasetError(f"{file} is not valid SQuAD format: missing or bad {err}.") from err
    return Dataset(file.stem, documents, examples)


def _own_format(file: Path, data: dict[str, Any], extra: list[Document]) -> Dataset:
    documents = list(extra)
    for number, item in enumerate(data.get("documents", []), start=1):
        if isinstance(item, dict) and "path" in item:
            documents.append(load_path(file.parent / item["path"], title=item.get("title")))
        elif isinstance(item, dict) and "text" in item:
            documents.append(load_text(item["text"], title=item.get("title")))
        else:
            raise DatasetError(f"{file}: document {number} needs a 'text' or a 'path'.")
    by_title = {d.title: d.id for d in documents} | {d.id: d.id for d in documents}
    examples = []
    for number, record in enumerate(data["questions"], start=1):
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            raise DatasetError(f"{file}: question {number} needs a 'question' string.")
        answers = record.get("answers", [])
        if isinstance(answers, str):
            answers = [answers]
        answerable = bool(record.get("answerable", bool(answers)))
        if answerable and not answers:
            raise DatasetError(f"{file}: question {number} is answerable but has no 'answers'.")
        document = record.get("document")
        if document is not None and document not in by_title:
            raise DatasetError(f"{file}: question {number} names unknown document {document!r}.")
        examples.append(
            Example(
                str(record.get("id", number)),
                record["question"],
                tuple(str(a) for a in answers),
                by_title[document] if document is not None else None,
                answerable,
            )
        )
    return Dataset(file.stem, documents, examples)
