"""What the database stores of one document: the same pieces as the embedded store keeps.

A `StoredDocument` is the document, its sentence spans with their vectors, and its
passages with theirs: what `Collection` holds for a document, in the shape a database row
set takes. It is checked whole before anything is written, so a bad one changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.errors import DocumentError
from qa.index import Collection
from qa.types import Chunk, Document, Span, content_id


@dataclass(frozen=True, eq=False)
class StoredDocument:
    """A document with its sentences, passages and their vectors.

    Attributes:
        document: the document; its id is the content hash of its text.
        sentences: the sentence spans, offsets into `document.text`, in order.
        sentence_vectors: (len(sentences), dimension) float32, one row per sentence.
        passages: the passages (`Chunk`s), each `document.text[start:end]`, in order.
        passage_vectors: (len(passages), dimension) float32, one row per passage.
    """

    document: Document
    sentences: tuple[Span, ...]
    sentence_vectors: np.ndarray
    passages: tuple[Chunk, ...]
    passage_vectors: np.ndarray

    @classmethod
    def from_collection(cls, collection: Collection, doc_id: str) -> StoredDocument:
        """A document already indexed in an embedded collection, vectors copied, not remade.

        Raises:
            UnknownDocumentError: the collection has no document `doc_id`.
        """
        with collection.lock:
            entry = collection.entry(doc_id)
            items = [(vid, c) for vid, c in collection.chunk_items() if c.doc_id == doc_id]
            vectors = collection.store.vectors([vid for vid, _ in items])
            return cls(
                entry.document,
                tuple(entry.sentences),
                np.asarray(entry.sentence_vectors, dtype=np.float32),
                tuple(c for _, c in items),
                np.asarray(vectors, dtype=np.float32),
            )

    def check(self, dimension: int) -> None:
        """Refuse a record whose pieces do not fit together or cannot be stored as text.

        Raises:
            DocumentError: names the document and what is wrong.
        """
        doc = self.document
        name = f"Document {doc.id!r} ({doc.title[:60]!r})"
        for field, value in (("text", doc.text), ("title", doc.title), ("source", doc.source)):
            if not _storable(value):
                raise DocumentError(
                    f"{name}: its {field} holds a NUL character or a lone surrogate, which "
                    "PostgreSQL text cannot store. Load it through qa's loaders, which clean both."
                )
        if content_id(doc.text) != doc.id:
            raise DocumentError(f"{name}: the id is not the content hash of its text.")
        length = len(doc.text)
        if any(not 0 <= s.start < s.end <= length for s in self.sentences):
            raise DocumentError(f"{name}: a sentence lies outside its text of {length} characters.")
        for index, chunk in enumerate(self.passages):
            if (
                chunk.doc_id != doc.id
                or chunk.index != index
                or not 0 <= chunk.start < chunk.end <= length
                or doc.text[chunk.start : chunk.end] != chunk.text
                or not 0 <= chunk.first_sentence <= chunk.last_sentence < len(self.sentences)
            ):
                raise DocumentError(
                    f"{name}: passage {index} does not match its text or sentences."
                )
        for label, vectors, rows in (
            ("sentence", self.sentence_vectors, len(self.sentences)),
            ("passage", self.passage_vectors, len(self.passages)),
        ):
            if vectors.shape != (rows, dimension):
                raise DocumentError(
                    f"{name}: {label} vectors have shape {vectors.shape}, expected "
                    f"({rows}, {dimension})."
                )
            if not np.isfinite(vectors).all():
                raise DocumentError(f"{name}: a {label} vector holds NaN or infinity.")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
