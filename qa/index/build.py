"""Index a batch of inputs leniently: what can be read goes in, the rest is reported.

Unlike `Assistant.add_documents` (all or nothing), one bad file here does not stop the
others; each input ends as one `ReportEntry`, so nothing is skipped silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.embed import ProgressCallback
from qa.errors import (
    DocumentError,
    EmptyDocumentError,
    NoTextLayerError,
    RedirectPageError,
    UnsupportedFormatError,
)
from qa.index.collection import Collection
from qa.index.report import IndexReport, ReportEntry
from qa.loading import SUPPORTED_SUFFIXES, Item, load_item, looks_like_path, path_contents
from qa.types import Document

FEW_WORDS = 20  # an indexed document with fewer words than this gets a warning
EXCERPT_CHARS = 40


def input_name(item: Item) -> str:
    """How a report names an input: a path as given, a Document's source or title, or the
    start of a text ("text: Otters hold hands…")."""
    if isinstance(item, Document):
        return item.source or item.title
    if isinstance(item, os.PathLike):
        return os.fspath(item)
    if isinstance(item, str):
        if looks_like_path(item):
            return item.strip()
        line = next((part.strip() for part in item.splitlines() if part.strip()), "(blank)")
        cut = line if len(line) <= EXCERPT_CHARS else line[:EXCERPT_CHARS].rstrip() + "…"
        return f"text: {cut}"
    return repr(item)


def refusal(name: str, item: object, err: DocumentError | OSError) -> ReportEntry:
    """The entry for an input the loader refused: skipped when there is nothing to index
    (a redirect stub, no text, an unsupported format), failed for any other error."""
    detail = str(err)
    if isinstance(err, OSError) and not isinstance(err, DocumentError):
        detail = f"Cannot read {name}: {err.strerror or err}"
    if isinstance(err, RedirectPageError):
        return ReportEntry(name, "skipped", f"redirect stub to {err.target}", detail=detail)
    if isinstance(err, NoTextLayerError):
        reason = "no text layer (a scanned PDF needs OCR first)"
        return ReportEntry(name, "skipped", reason, detail=detail)
    if isinstance(err, EmptyDocumentError):
        return ReportEntry(name, "skipped", "empty", detail=detail)
    if isinstance(err, UnsupportedFormatError):
        suffix = Path(os.fspath(item)).suffix.lower() if isinstance(item, os.PathLike) else ""
        if isinstance(item, os.PathLike) and suffix not in SUPPORTED_SUFFIXES:
            reason = f"unsupported format {suffix or '(none)'}"
            return ReportEntry(name, "skipped", reason, detail=detail)
        return ReportEntry(name, "skipped", f"unsupported format: {err}", detail=detail)
    return ReportEntry(name, "failed", detail, detail=detail)


def _describe(document: Document) -> str:
    return Path(document.source).name if document.source else f"“{document.title}”"


def _warnings(document: Document) -> tuple[str, ...]:
    words = len(document.text.split())
    return (f"very little text ({words} words)",) if words < FEW_WORDS else ()


@dataclass(frozen=True)
class LoadedBatch:
    """Inputs read and checked, before any model runs.

    Attributes:
        names: how the report names each input.
        outcomes: per input, its Document, or its entry when it was refused or repeats an
            earlier input of the batch.
    """

    names: tuple[str, ...]
    outcomes: tuple[Document | ReportEntry, ...]

    @property
    def documents(self) -> tuple[Document, ...]:
        """The documents to index (each content once)."""
        return tuple(o for o in self.outcomes if isinstance(o, Document))

    @property
    def refused(self) -> tuple[ReportEntry, ...]:
        """The entries of the inputs not to index (refused, or repeating an earlier one)."""
        return tuple(o for o in self.outcomes if isinstance(o, ReportEntry))


def load_batch(items: Sequence[Item], names: Sequence[str] | None = None) -> LoadedBatch:
    """Read every input on its own (no model needed), so that one bad file does not stop
    the others; a later input with the content of an earlier one is a duplicate of it.

    Raises:
        ValueError: `names` does not have one name per item.
    """
    labels = tuple(names) if names is not None else tuple(input_name(i) for i in items)
    if len(labels) != len(items):
        raise ValueError(f"Got {len(labels)} names for {len(items)} inputs; they must match.")
    outcomes: list[Document | ReportEntry] = []
    first: dict[str, str] = {}  # content id -> the input that brought it
    for label, item in zip(labels, items, strict=True):
        try:
            document = load_item(item)
        except (DocumentError, OSError) as err:
            outcomes.append(refusal(label, item, err))
            continue
        if document.id in first:
            reason = f"duplicate of {first[document.id]}"
            outcomes.append(ReportEntry(label, "skipped", reason, doc_id=document.id))
        else:
            first[document.id] = label
            outcomes.append(document)
    return LoadedBatch(labels, tuple(outcomes))


def load_paths(paths: Iterable[str | os.PathLike[str]]) -> LoadedBatch:
    """`load_batch` over files, each folder replaced by the documents inside it (and in
    its sub-folders, in name order); a folder's hidden entries and files of other types
    are skipped inputs of their own, and a folder with nothing in it one skipped input.
    """
    parts: list[Path | ReportEntry] = []
    for raw in paths:
        found, left_out = path_contents(Path(raw))
        parts.extend(found)
        parts.extend(ReportEntry(str(entry), "skipped", why) for entry, why in left_out)
        if not found and not left_out:
            parts.append(ReportEntry(str(Path(raw)), "skipped", "empty folder"))
    files = load_batch([p for p in parts if isinstance(p, Path)])
    loaded = iter(zip(files.names, files.outcomes, strict=True))
    merged = [(p.input, p) if isinstance(p, ReportEntry) else next(loaded) for p in parts]
    return LoadedBatch(tuple(n for n, _ in merged), tuple(o for _, o in merged))


def index_batch(
    collection: Collection, batch: LoadedBatch, *, progress: ProgressCallback | None = None
) -> IndexReport:
    """Index a batch's new documents in one pass and report every input.

    A document already in `collection` is a duplicate of it, named by its file or title.

    Raises:
        DocumentError: the model failed on the batch (nothing is added then).
    """
    fresh = []
    entries: list[Document | ReportEntry] = []
    for name, outcome in zip(batch.names, batch.outcomes, strict=True):
        if isinstance(outcome, Document) and outcome.id in collection:
            existing = _describe(collection.entry(outcome.id).document)
            reason = f"duplicate of {existing} (already indexed)"
            entries.append(ReportEntry(name, "skipped", reason, doc_id=outcome.id))
            continue
        if isinstance(outcome, Document):
            fresh.append(outcome)
        entries.append(outcome)
    added = set(collection.add(fresh, progress=progress))
    counts = collection.passage_counts()
    return IndexReport(
        tuple(
            _indexed(name, e, added, counts[e.id]) if isinstance(e, Document) else e
            for name, e in zip(batch.names, entries, strict=True)
        )
    )


def _indexed(name: str, document: Document, added: set[str], passages: int) -> ReportEntry:
    if document.id not in added:  # another thread added the same content meanwhile
        return ReportEntry(name, "skipped", "duplicate (already indexed)", doc_id=document.id)
    return ReportEntry(
        name, "indexed", passages=passages, doc_id=document.id, warnings=_warnings(document)
    )
