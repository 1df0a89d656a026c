"""The indexed documents: texts, sentences, passages, their vectors and the BM25 index.

One object owns all of them so they cannot drift apart: a passage is added to or removed
from every structure at once, under one lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from embeddings import TextEncoder, VectorStore
from embeddings.tokens import TokenEncoder
from qa.block_chunking import passage_context
from qa.chunking import ChunkingConfig, chunk_document
from qa.embed import ProgressCallback, check_vectors, encode, sentence_tokens
from qa.embed.token_packing import SentenceTokens, assemble
from qa.errors import UnknownDocumentError
from qa.index.lexical import LexicalConfig, LexicalIndex
from qa.types import Chunk, Document, SentenceReader, Span


@dataclass(frozen=True)
class IndexedDocument:
    """A document with its sentence spans and the vectors of those sentences.

    `sentence_tokens` holds the sentences' token vectors for word-level matching; None
    when the model gives no token vectors (or an index saved before they were kept).
    """

    document: Document
    sentences: list[Span]
    sentence_vectors: np.ndarray  # (len(sentences), dimension), unit rows
    sentence_tokens: SentenceTokens | None = None


class Collection:
    """Documents and their search structures, kept consistent with each other.

    Args:
        embedder: encodes passages and sentences.
        chunking: how documents are cut into passages.
        lexical: BM25 settings.
        embed_titles: prefix each passage with its document's title when embedding it, so
            a passage that never names its subject still matches questions about it.
        token_vectors: keep the sentences' token vectors for the word-level match, when
            the model gives them. An assistant with a reader passes False: the reader reads
            each candidate sentence itself, and answers as well without them for a quarter
            of the index (docs/benchmarks.md), so they are neither made, saved nor loaded.
    """

    def __init__(
        self,
        embedder: TextEncoder,
        *,
        chunking: ChunkingConfig | None = None,
        lexical: LexicalConfig | None = None,
        embed_titles: bool = True,
        token_vectors: bool = True,
    ) -> None:
        self.embedder = embedder
        self.token_vectors = token_vectors
        # The trained reader answering consults, or None (set by the Assistant that owns us).
        self.reader: SentenceReader | None = None
        self.chunking = chunking or ChunkingConfig()
        self.lexical_config = lexical or LexicalConfig()
        self.embed_titles = embed_titles
        self.lock = threading.RLock()
        self._documents: dict[str, IndexedDocument] = {}
        self._chunks: dict[int, Chunk] = {}  # vector id -> chunk
        self._store: VectorStore | None = None
        self._next_id = 0
        self._lexical: LexicalIndex | None = None
        self._lexical_ids: np.ndarray = np.zeros(0, dtype=np.int64)
        # (index directory, generation) this collection was last loaded from or saved as:
        # a save refuses to replace a generation it never saw (see store.save).
        self.origin: tuple[str, str] | None = None
        # The index directory whose writer lock a store.WriterSession holds for us.
        self.writer_session: str | None = None

    # ----- reading -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._documents

    @property
    def documents(self) -> list[Document]:
        return [entry.document for entry in self._documents.values()]

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = VectorStore(self.embedder.dimension)
        return self._store

    def entry(self, doc_id: str) -> IndexedDocument:
        try:
            return self._documents[doc_id]
        except KeyError as err:
            raise UnknownDocumentError(
                f"No document with id {doc_id!r}; known ids: "
                f"{', '.join(self._documents) or 'none'}."
            ) from err

    @property
    def keeps_tokens(self) -> bool:
        """Whether sentence token vectors are made, saved and loaded: asked for, and the
        model gives them."""
        return self.token_vectors and isinstance(self.embedder, TokenEncoder)

    def sentence_tokens(self, doc_id: str) -> SentenceTokens | None:
        """The document's sentence token vectors; None when the model gives none or the
        collection keeps none."""
        return self.entry(doc_id).sentence_tokens

    def fill_missing_tokens(self) -> int:
        """Make the sentence token vectors an older saved index lacks; returns how many
        documents got them.

        The model runs outside the lock, so questions and uploads are not held up while
        it does; a document changed meanwhile is left alone.
        """
        if not self.keeps_tokens or not isinstance(self.embedder, TokenEncoder):
            return 0
        filled = 0
        with self.lock:
            missing = [e for e in self._documents.values() if e.sentence_tokens is None]
        for entry in missing:
            texts = [entry.document.text[s.start : s.end] for s in entry.sentences]
            made = sentence_tokens(self.embedder, texts, self.embedder.dimension)
            with self.lock:
                if self._documents.get(entry.document.id) is entry:
                    self._documents[entry.document.id] = replace(entry, sentence_tokens=made)
                    filled += 1
        return filled

    def chunk(self, vector_id: int) -> Chunk:
        return self._chunks[vector_id]

    def chunk_items(self) -> list[tuple[int, Chunk]]:
        """(vector id, chunk) pairs in insertion order."""
        return list(self._chunks.items())

    @property
    def passage_count(self) -> int:
        return len(self._chunks)

    def passage_counts(self) -> Counter[str]:
        """Passages per document id."""
        with self.lock:
            return Counter(chunk.doc_id for chunk in self._chunks.values())

    @property
    def next_id(self) -> int:
        return self._next_id

    def lexical(self) -> tuple[LexicalIndex, np.ndarray]:
        """The BM25 index and the vector id of each of its rows, rebuilt after changes."""
        with self.lock:
            if self._lexical is None:
                ids = np.fromiter(self._chunks.keys(), dtype=np.int64, count=len(self._chunks))
                texts = [self.passage_text_for_search(self._chunks[int(i)]) for i in ids]
                self._lexical = LexicalIndex(texts, self.lexical_config)
                self._lexical_ids = ids
            return self._lexical, self._lexical_ids

    def passage_text_for_embedding(self, document: Document, chunk: Chunk) -> str:
        """The passage as the model reads it: the title, for a structured document the
        heading path (and a continued list's lead-in), then the passage itself."""
        context = passage_context(document, chunk.start)
        text = f"{context}\n{chunk.text}" if context else chunk.text
        if self.embed_titles and document.title and not chunk.text.startswith(document.title):
            return f"{document.title}\n{text}"
        return text

    def passage_text_for_search(self, chunk: Chunk) -> str:
        """The passage as BM25 indexes it: with its heading path and lead-in, as embedded."""
        context = passage_context(self._documents[chunk.doc_id].document, chunk.start)
        return f"{context}\n{chunk.text}" if context else chunk.text

    # ----- changing ------------------------------------------------------------------
    def add(
        self, documents: Iterable[Document], *, progress: ProgressCallback | None = None
    ) -> list[str]:
        """Index documents not already present (by content id); returns the ids added.

        Embedding happens before anything is changed, so a failure leaves the collection
        as it was.
        """
        fresh: dict[str, Document] = {}
        for document in documents:
            if document.id not in self._documents:
                fresh.setdefault(document.id, document)
        if not fresh:
            return []
        planned = []
        texts: list[str] = []
        is_sentence: list[bool] = []
        for document in fresh.values():
            sentences, chunks = chunk_document(document, self.chunking)
            planned.append((document, sentences, chunks))
            texts.extend(self.passage_text_for_embedding(document, c) for c in chunks)
            texts.extend(document.text[s.start : s.end] for s in sentences)
            is_sentence.extend([False] * len(chunks) + [True] * len(sentences))
        vectors, blocks = encode(
            self.embedder, texts, is_sentence, progress, tokens=self.keeps_tokens
        )
        check_vectors(planned, vectors, self.embedder.dimension)
        with self.lock:
            row = 0
            for document, sentences, chunks in planned:
                chunk_vectors = vectors[row : row + len(chunks)]
                row += len(chunks)
                sentence_vectors = vectors[row : row + len(sentences)]
                sentence_tokens = None
                if blocks is not None:
                    mine = [b for b in blocks[row : row + len(sentences)] if b is not None]
                    sentence_tokens = assemble(mine, self.embedder.dimension)
                row += len(sentences)
                self._insert(
                    document,
                    sentences,
                    chunks,
                    chunk_vectors=chunk_vectors,
                    sentence_vectors=sentence_vectors,
                    sentence_tokens=sentence_tokens,
                )
            self._lexical = None
        return list(fresh)

    def _insert(
        self,
        document: Document,
        sentences: list[Span],
        chunks: list[Chunk],
        *,
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        sentence_tokens: SentenceTokens | None,
        vector_ids: list[int] | None = None,
    ) -> None:
        if vector_ids is None:
            vector_ids = list(range(self._next_id, self._next_id + len(chunks)))
        self.store.add(vector_ids, chunk_vectors)
        self._next_id = max([self._next_id, *(i + 1 for i in vector_ids)])
        for vector_id, chunk in zip(vector_ids, chunks, strict=True):
            self._chunks[vector_id] = chunk
        self._documents[document.id] = IndexedDocument(
            document, sentences, sentence_vectors, sentence_tokens if self.keeps_tokens else None
        )

    def restore(
        self,
        document: Document,
        sentences: list[Span],
        chunks: list[Chunk],
        *,
        vector_ids: list[int],
        sentence_vectors: np.ndarray,
        sentence_tokens: SentenceTokens | None = None,
    ) -> None:
        """Put back a document read from disk; its chunk vectors are already in the store."""
        with self.lock:
            for vector_id, chunk in zip(vector_ids, chunks, strict=True):
                self._chunks[vector_id] = chunk
            self._next_id = max([self._next_id, *(i + 1 for i in vector_ids)])
            self._documents[document.id] = IndexedDocument(
                document,
                sentences,
                sentence_vectors,
                sentence_tokens if self.keeps_tokens else None,
            )
            self._lexical = None

    def attach_store(self, store: VectorStore, next_id: int) -> None:
        """Use a vector store read from disk (before `restore` calls)."""
        with self.lock:
            self._store = store
            self._next_id = max(self._next_id, next_id)

    def remove(self, doc_id: str) -> Document:
        """Remove a document and everything derived from it; returns the document."""
        with self.lock:
            entry = self.entry(doc_id)
            doomed = [vid for vid, chunk in self._chunks.items() if chunk.doc_id == doc_id]
            self.store.remove(doomed)
            for vector_id in doomed:
                del self._chunks[vector_id]
            del self._documents[doc_id]
            self._lexical = None
            return entry.document

    def copy_from(self, other: Collection, doc_ids: Iterable[str]) -> None:
        """Add documents already indexed in `other` without encoding them again."""
        with self.lock:
            for doc_id in doc_ids:
                if doc_id in self._documents:
                    continue
                entry = other.entry(doc_id)
                items = [(vid, c) for vid, c in other.chunk_items() if c.doc_id == doc_id]
                vectors = other.store.vectors([vid for vid, _ in items])
                self._insert(
                    entry.document,
                    entry.sentences,
                    [c for _, c in items],
                    chunk_vectors=vectors,
                    sentence_vectors=entry.sentence_vectors,
                    sentence_tokens=entry.sentence_tokens,
                )
            self._lexical = None
