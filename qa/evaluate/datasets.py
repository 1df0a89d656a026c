"""Labelled question sets: SQuAD-format JSON and our own simple JSON/JSONL format.

Our format (documented in docs/evaluation.md):

    {"documents": [{"title": "...", "text": "..."}, ...],      # or "path": "file.txt"
     "questions": [{"question": "...", "answers": ["..."], "document": "title",
                    "answerable": true, "kind": "table"}, ...]}

or JSONL with one question object per line (documents then come from --docs). A question's
`document` is a title, an id or a file name; any other field ("kind") can group a report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import DatasetError
from qa.loading import load_path, load_text
from qa.types import Document

__all__ = ["Dataset", "DatasetError", "Example", "file_name", "find_document", "load_dataset"]

# Fields of a question record that are its labels, not properties to group a report by.
_LABELS = frozenset({"id", "question", "answers"})


@dataclass(frozen=True)
class Example:
    """One labelled question.

    Attributes:
        document: the id of the document that holds the answer, or None if unknown.
        answerable: False for questions the documents do not answer.
        fields: the record's other fields as written ("kind", "document", "answerable"),
            each value as text, for grouping a report (`value`).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    document: str | None = None
    answerable: bool = True
    fields: tuple[tuple[str, str], ...] = ()

    def value(self, name: str) -> str | None:
        """The question's `name` field as text, or None when the record has no such field."""
        return dict(self.fields).get(name)


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
        doc_id = (
            find_document(str(document), documents, where=f"{file}: question {number}")
            if document is not None
            else None
        )
        examples.append(
            Example(
                str(record.get("id", number)),
                record["question"],
                tuple(str(a) for a in answers),
                doc_id,
                answerable,
                tuple((k, _as_text(v)) for k, v in record.items() if k not in _LABELS),
            )
        )
    return Dataset(file.stem, documents, examples)


def _as_text(value: object) -> str:
    """A field's value as a group name: strings as written, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def file_name(document: Document) -> str:
    """The name of the file a document was loaded from ("" for a text given directly)."""
    return Path(document.source).name if document.source else ""


def find_document(name: str, documents: Sequence[Document], *, where: str) -> str:
    """The id of the document a question names: by id, else by title, else by file name.

    Args:
        name: as written in the question's `document` field.
        documents: the loaded corpus.
        where: the question, for messages ("set.jsonl: question 3").

    Raises:
        DatasetError: no document has that id, title or file name, or several documents
            share the title or file name.
    """
    if any(d.id == name for d in documents):
        return name
    for kind, key in (("title", lambda d: d.title), ("file name", file_name)):
        matches = [d for d in documents if key(d) == name]
        if len(matches) == 1:
            return matches[0].id
        if matches:
            sources = ", ".join(d.source or d.id for d in matches)
            raise DatasetError(
                f"{where} names document {name!r}, the {kind} of {len(matches)} documents "
                f"({sources}); name it by id instead."
            )
    if not documents:
        raise DatasetError(
            f"{where} names unknown document {name!r}: no documents are loaded (for a JSONL "
            "set, give them with --docs)."
        )
    raise DatasetError(
        f"{where} names unknown document {name!r}: no title, id or file name of the "
        f"{len(documents)} documents loaded."
    )
