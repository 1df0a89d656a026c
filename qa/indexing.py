"""Index a batch of inputs leniently: what can be read goes in, the rest is reported.

Unlike `Assistant.add_documents` (all or nothing), one bad file here does not stop the
others; each input ends as one `ReportEntry`, so nothing is skipped silently.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from qa.collection import Collection, ProgressCallback
from qa.errors import (
    DocumentError,
    EmptyDocumentError,
    NoTextLayerError,
    RedirectPageError,
    UnsupportedFormatError,
)
from qa.index_report import IndexReport, ReportEntry
from qa.loading import SUPPORTED_SUFFIXES, Item, load_item, looks_like_path
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
    if isinstance(err, RedirectPageError):
        return ReportEntry(name, "skipped", f"redirect stub to {err.target}")
    if isinstance(err, NoTextLayerError):
        return ReportEntry(name, "skipped", "no text layer (a scanned PDF needs OCR first)")
    if isinstance(err, EmptyDocumentError):
        return ReportEntry(name, "skipped", "empty")
    if isinstance(err, UnsupportedFormatError):
        suffix = Path(os.fspath(item)).suffix.lower() if isinstance(item, os.PathLike) else ""
        if isinstance(item, os.PathLike) and suffix not in SUPPORTED_SUFFIXES:
            return ReportEntry(name, "skipped", f"unsupported format {suffix or '(none)'}")
        return ReportEntry(name, "skipped", f"unsupported format: {err}")
    if isinstance(err, OSError) and not isinstance(err, DocumentError):
        return ReportEntry(name, "failed", f"cannot read {name}: {err.strerror or err}")
    return ReportEntry(name, "failed", str(err))


def _describe(document: Document) -> str:
    return Path(document.source).name if document.source else f"“{document.title}”"


def _warnings(document: Document) -> tuple[str, ...]:
    words = len(document.text.split())
    return (f"very little text ({words} words)",) if words < FEW_WORDS else ()


def index_items(
    collection: Collection,
    items: Sequence[Item],
    *,
    names: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> IndexReport:
    """Load each item on its own, index the new documents in one pass, report every item.

    Args:
        collection: where the documents go.
        items: paths, strings of text or Documents.
        names: how the report names each item (default `input_name`); one per item.
        progress: called with (done, total) texts encoded.

    Raises:
        ValueError: `names` does not have one name per item.
        DocumentError: the model failed on the batch (nothing is added then).
    """
    labels = list(names) if names is not None else [input_name(i) for i in items]
    if len(labels) != len(items):
        raise ValueError(f"Got {len(labels)} names for {len(items)} inputs; they must match.")
    entries: list[ReportEntry | None] = [None] * len(items)
    first: dict[str, int] = {}  # content id -> the input that brought it
    fresh: dict[int, Document] = {}
    for i, item in enumerate(items):
        try:
            document = load_item(item)
        except (DocumentError, OSError) as err:
            entries[i] = refusal(labels[i], item, err)
            continue
        if document.id in first:
            reason = f"duplicate of {labels[first[document.id]]}"
            entries[i] = ReportEntry(labels[i], "skipped", reason, doc_id=document.id)
        elif document.id in collection:
            reason = f"duplicate of {_describe(collection.entry(document.id).document)}"
            entries[i] = ReportEntry(
                labels[i], "skipped", f"{reason} (already indexed)", doc_id=document.id
            )
        else:
            first[document.id] = i
            fresh[i] = document
    added = set(collection.add(fresh.values(), progress=progress))
    counts = collection.passage_counts()
    for i, document in fresh.items():
        if document.id in added:
            entries[i] = ReportEntry(
                labels[i],
                "indexed",
                passages=counts[document.id],
                doc_id=document.id,
                warnings=_warnings(document),
            )
        else:  # another thread added the same content meanwhile
            entries[i] = ReportEntry(
                labels[i], "skipped", "duplicate (already indexed)", doc_id=document.id
            )
    return IndexReport(tuple(e for e in entries if e is not None))
