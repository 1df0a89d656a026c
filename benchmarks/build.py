"""Index build: `add_documents` throughput against the raw model on the very same texts.

The pipeline's build embeds each passage (title-prefixed) and each sentence; the raw
figure is one `model.encode` over exactly those texts, taken from the built collection,
so the ratio isolates what indexing adds (chunking, BM25, FAISS, bookkeeping).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from embeddings import Embedder
from embeddings.embedder import _torch_threads
from qa import Assistant
from qa.types import Document


@dataclass(frozen=True)
class Build:
    """One build: seconds, texts embedded, and the raw model's time on the same texts."""

    documents: int
    passages: int
    texts: int
    build_seconds: float
    raw_seconds: float

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.build_seconds

    @property
    def texts_per_second(self) -> float:
        return self.texts / self.build_seconds

    @property
    def raw_texts_per_second(self) -> float:
        return self.texts / self.raw_seconds

    @property
    def ratio(self) -> float:
        """Build throughput as a share of raw encode throughput (goal >= 0.9)."""
        return self.raw_seconds / self.build_seconds


def embedded_texts(assistant: Assistant, doc_ids: Sequence[str] | None = None) -> list[str]:
    """Every text the collection embedded, as it embedded them (passages, then sentences).

    Args:
        doc_ids: only the texts of these documents (default: all).
    """
    collection = assistant.collection
    wanted = set(doc_ids) if doc_ids is not None else None
    texts = []
    by_doc: dict[str, list[str]] = {}
    for _, chunk in collection.chunk_items():
        document = collection.entry(chunk.doc_id).document
        by_doc.setdefault(chunk.doc_id, []).append(
            collection.passage_text_for_embedding(document, chunk)
        )
    for document in collection.documents:
        if wanted is not None and document.id not in wanted:
            continue
        entry = collection.entry(document.id)
        texts.extend(by_doc.get(document.id, []))
        texts.extend(document.text[s.start : s.end] for s in entry.sentences)
    return texts


def measure_build(assistant: Assistant, documents: Sequence[Document], *, groups: int = 4) -> Build:
    """Time `add_documents` into an empty assistant against raw encode of the same texts.

    The documents go in `groups` batches, each timed right next to the raw encode of its
    own texts: on a shared machine the load drifts over minutes, and pairing the two
    figures batch by batch keeps that drift out of their ratio.
    """
    if len(assistant.collection):
        raise ValueError("measure_build needs an empty assistant; it times the whole build.")
    documents = list(documents)
    size = max(1, -(-len(documents) // groups))
    build_seconds = raw_seconds = 0.0
    for start in range(0, len(documents), size):
        group = documents[start : start + size]
        started = time.perf_counter()
        assistant.add_documents(group)
        build_seconds += time.perf_counter() - started
        texts = embedded_texts(assistant, [d.id for d in group])
        raw_seconds += raw_encode_seconds(assistant.embedder, texts)
    return Build(
        documents=len(assistant.collection),
        passages=assistant.collection.passage_count,
        texts=len(embedded_texts(assistant)),
        build_seconds=build_seconds,
        raw_seconds=raw_seconds,
    )


def raw_encode_seconds(
    embedder: object, texts: list[str], *, threads: int | None = None, batch_size: int = 32
) -> float:
    """Seconds for the bare model to encode `texts` in batches (no pipeline around it)."""
    if not isinstance(embedder, Embedder):
        started = time.perf_counter()
        embedder.encode(texts)  # type: ignore[attr-defined]
        return time.perf_counter() - started
    model = embedder.warm_up()
    torch_threads = threads if embedder.backend == "torch" else None
    with _torch_threads(torch_threads if torch_threads is not None else embedder.batch_threads):
        started = time.perf_counter()
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return time.perf_counter() - started
