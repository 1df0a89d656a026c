"""The public facade: `Assistant` answers questions over a collection of documents.

Usage:
    from qa import Assistant
    assistant = Assistant.default()          # the bundled article and model
    reply = assistant.ask("What did Putin say about external forces?")
    print(reply.text)                        # a quote with a citation marker like [1]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from embeddings import Embedder, TextEncoder, default_embedder
from qa import store
from qa.answer.compose import answer
from qa.answer.evidence import Evidence
from qa.answer.reader import SentenceReader, default_reader
from qa.answer.sources import source_of
from qa.converse import Chat
from qa.errors import NothingIndexedError
from qa.index import (
    Collection,
    IndexReport,
    LoadedBatch,
    ProgressCallback,
    index_batch,
    load_batch,
    load_paths,
)
from qa.limits import check_k, validate_question
from qa.loading import bundled_article_path, load_items, load_text
from qa.retrieve import retrieve
from qa.settings import Settings
from qa.types import Answer, Document, Source

ReaderChoice = SentenceReader | None | Literal["auto"]


def _reader(choice: ReaderChoice, embedder: TextEncoder | None) -> SentenceReader | None:
    """ "auto": the shipped reader unless QA_READER is off, when the assistant runs the
    bundled model (its own or an `Embedder` it is given, on any backend); another encoder
    (tests' fakes, other models) gets none unless one is passed, since the answer stage's
    weights were fitted with the reader beside the bundled model."""
    if choice != "auto":
        return choice  # type: ignore[return-value]
    return default_reader() if embedder is None or isinstance(embedder, Embedder) else None


def _embedder(model: str | os.PathLike[str] | None, embedder: TextEncoder | None) -> TextEncoder:
    if embedder is not None and model is not None:
        raise ValueError("Pass either model= or embedder=, not both.")
    return embedder if embedder is not None else default_embedder(model)


class Assistant:
    """Answers questions from a collection of documents, with cited, highlighted sources.

    Args:
        embedder: the text encoder (share one between assistants to load the model once).
        settings: pipeline settings; the defaults are the configuration measured best on
            XQuAD (see docs/evaluation.md).

    The collection starts empty; use `add_documents`, or a constructor such as `default()`.
    Safe to share between threads: questions may run concurrently with each other and
    with additions.
    """

    def __init__(
        self,
        embedder: TextEncoder,
        *,
        settings: Settings | None = None,
        reader: SentenceReader | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder
        self.reader = reader
        self.collection = Collection(
            embedder,
            chunking=self.settings.chunking,
            lexical=self.settings.lexical,
            embed_titles=self.settings.embed_titles,
            token_vectors=reader is None or self.settings.reader_token_vectors,
        )
        self.collection.reader = reader
        # The report of the latest `index` call (and so of `from_paths`); None before one.
        self.last_report: IndexReport | None = None

    def __repr__(self) -> str:
        return f"Assistant(documents={len(self.collection)}, model={self.embedder.name!r})"

    # ----- construction ----------------------------------------------------------------
    @classmethod
    def default(
        cls,
        *,
        model: str | os.PathLike[str] | None = None,
        embedder: TextEncoder | None = None,
        settings: Settings | None = None,
        reader: ReaderChoice = "auto",
    ) -> Assistant:
        """An assistant over the bundled news article, with the bundled model."""
        return cls.from_paths(
            [bundled_article_path()],
            model=model,
            embedder=embedder,
            settings=settings,
            reader=reader,
        )

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | os.PathLike[str]],
        *,
        model: str | os.PathLike[str] | None = None,
        embedder: TextEncoder | None = None,
        settings: Settings | None = None,
        reader: ReaderChoice = "auto",
    ) -> Assistant:
        """An assistant over files (.txt, .md, .html, .htm, .pdf, .docx) and folders of them.

        A folder stands for the documents inside it and its sub-folders. Files that
        cannot be indexed (duplicates, redirect stubs, empty, unsupported or broken files)
        are left out and reported, one entry per file, in `assistant.last_report`; see
        `index`.

        Raises:
            NothingIndexedError: paths were given but none could be indexed; the message
                names each one and why.
        """
        assistant = cls(
            _embedder(model, embedder), settings=settings, reader=_reader(reader, embedder)
        )
        report = assistant.index(load_paths(paths))
        if report.entries and not report.indexed:
            raise NothingIndexedError(f"Nothing was indexed: {report.problems()}", report=report)
        return assistant

    @classmethod
    def from_texts(
        cls,
        texts: Sequence[str],
        *,
        titles: Sequence[str] | None = None,
        model: str | os.PathLike[str] | None = None,
        embedder: TextEncoder | None = None,
        settings: Settings | None = None,
        reader: ReaderChoice = "auto",
    ) -> Assistant:
        """An assistant over strings; `titles`, if given, has one title per text."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not one string.")
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"Got {len(titles)} titles for {len(texts)} texts; they must match.")
        documents = [
            load_text(text, title=titles[i] if titles else None) for i, text in enumerate(texts)
        ]
        assistant = cls(
            _embedder(model, embedder), settings=settings, reader=_reader(reader, embedder)
        )
        assistant.add_documents(documents)
        return assistant

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        *,
        model: str | os.PathLike[str] | None = None,
        embedder: TextEncoder | None = None,
        settings: Settings | None = None,
        reader: ReaderChoice = "auto",
    ) -> Assistant:
        """Open an index written by `save`, without re-embedding anything.

        The model recorded in the index is used unless `model` or `embedder` names another,
        in which case the two must match.

        Raises:
            StoreError: no index there, or it cannot be read.
            IndexCorruptError: a file of the index is damaged.
            IndexMismatchError: the index was built with another model or dimension.
        """
        record, chunking, lexical, embed_titles = store.saved_settings(directory)
        if model is None and embedder is None:
            model = record["name"]
        base = settings or Settings()
        settings = Settings(
            chunking=chunking,
            lexical=lexical,
            retrieval=base.retrieval,
            answering=base.answering,
            embed_titles=embed_titles,
            reader_token_vectors=base.reader_token_vectors,
        )
        assistant = cls(
            _embedder(model, embedder), settings=settings, reader=_reader(reader, embedder)
        )
        store.load(directory, assistant.collection)
        assistant.collection.fill_missing_tokens()  # an index saved before they were kept
        return assistant

    def fork(self) -> Assistant:
        """A new assistant with the same model, settings and documents, changed independently.

        Vectors are copied, not recomputed: this is how each chat session gets its own
        collection on top of a shared one cheaply.
        """
        twin = Assistant(self.embedder, settings=self.settings, reader=self.reader)
        twin.collection.copy_from(self.collection, [d.id for d in self.documents])
        return twin

    def with_settings(self, settings: Settings) -> Assistant:
        """The same documents under other settings.

        Query-time settings (retrieval, answering) share this collection as is; settings
        that change the index (chunking, BM25, title embedding) re-index the documents.
        """
        twin = Assistant(self.embedder, settings=settings, reader=self.reader)
        same_index = (
            settings.chunking == self.settings.chunking
            and settings.lexical == self.settings.lexical
            and settings.embed_titles == self.settings.embed_titles
        )
        if same_index:
            twin.collection = self.collection
        else:
            twin.collection.add(self.documents)
        return twin

    # ----- documents -------------------------------------------------------------------
    @property
    def documents(self) -> list[Document]:
        """The documents in the collection (id, title, source, length, text), in order added."""
        return self.collection.documents

    def add_documents(
        self,
        items: Iterable[str | os.PathLike[str] | Document],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[str]:
        """Add files, strings of text, or Documents; returns their ids in the order given.

        A str that names an existing file (or ends in a supported file type) is read as a
        file; any other str is document text. Content already present is not stored
        again. Everything is loaded before anything is indexed, so one bad file leaves the
        collection unchanged.

        Raises:
            DocumentError: a file is missing, unreadable, empty or of an unsupported type.
        """
        if isinstance(items, (str, os.PathLike, Document)):
            items = [items]
        documents = load_items(items)
        self.collection.add(documents, progress=progress)
        return [d.id for d in documents]

    def index(
        self,
        items: Iterable[str | os.PathLike[str] | Document] | LoadedBatch,
        *,
        names: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> IndexReport:
        """Add what can be added and account for every input; returns the report.

        Unlike `add_documents`, one bad input does not stop the others: each input (a
        path, a string of text or a Document) is indexed (with its passage count),
        skipped (a duplicate of another input or of a document already here, a redirect
        stub, empty, an unsupported format, a PDF without a text layer) or failed (the
        error), in the order given. The report is also kept in `last_report`.

        Args:
            items: what to add, as for `add_documents`; or a batch `qa.index.load_batch`
                already read (to refuse bad files before a model loads, as `qa index` does).
            names: how the report names each input (default: the path as given, or the
                start of a text).
            progress: called with (done, total) texts encoded.

        Raises:
            ValueError: `names` does not have one name per input, or comes with a batch.
            DocumentError: the model failed on the batch (nothing is added then).
        """
        if isinstance(items, LoadedBatch):
            if names is not None:
                raise ValueError("A loaded batch has its names already; do not pass names=.")
            batch = items
        else:
            if isinstance(items, (str, os.PathLike, Document)):
                items = [items]
            batch = load_batch(list(items), names)
        report = index_batch(self.collection, batch, progress=progress)
        self.last_report = report
        return report

    def remove_document(self, doc_id: str) -> Document:
        """Remove a document and its passages; returns it.

        Raises:
            UnknownDocumentError: no document has this id.
        """
        return self.collection.remove(doc_id)

    # ----- questions -----------------------------------------------------------------------
    def search(
        self, query: str, *, k: int = 5, documents: Iterable[str] | None = None
    ) -> list[Source]:
        """Retrieval only: the `k` best passages for `query`, numbered from 1.

        Returns min(k, passages available) sources with no near-duplicates; their
        `answer_start`/`answer_end` are None.
        """
        text = validate_question(query)
        k = check_k("k", k)
        scope = self._scope(documents)
        vector = self.embedder.encode_query(text)
        # One lock from search to the last lookup: a document removed by another thread in
        # between would otherwise vanish under the passages just found.
        with self.collection.lock:
            candidates = retrieve(
                self.collection, text, vector, k, self.settings.retrieval, documents=scope
            )
            return [
                source_of(self.collection, n, c, None) for n, c in enumerate(candidates, start=1)
            ]

    def ask(
        self, question: str, *, top_k: int = 3, documents: Iterable[str] | None = None
    ) -> Answer:
        """Answer a question from the documents.

        Args:
            question: plain-language question, at most MAX_QUESTION_CHARS characters.
            top_k: how many numbered sources to return (1..100).
            documents: restrict the search to these document ids.

        Returns:
            An Answer: verbatim answer sentence(s) with "[n]" markers resolving to
            `sources`, or `found=False` with the nearest passages when the documents do not
            contain the answer. Costs one model call for the question (cached for repeats)
            plus a few milliseconds of search.

        Raises:
            QuestionError (a ValueError): empty, too long or malformed question; bad top_k.
            UnknownDocumentError: a document id in `documents` is not in the collection.
        """
        text = validate_question(question)
        top_k = check_k("top_k", top_k)
        scope = self._scope(documents)
        vector = self.embedder.encode_query(text)
        depth = max(top_k, self.settings.answering.passages)
        with self.collection.lock:  # see search(): retrieval and answer see one collection
            candidates = retrieve(
                self.collection, text, vector, depth, self.settings.retrieval, documents=scope
            )
            evidence = Evidence(
                collection=self.collection,
                question=text,
                query_vector=vector,
                candidates=candidates,
                top_k=top_k,
                config=self.settings.answering,
            )
            return answer(evidence)

    def _scope(self, documents: Iterable[str] | None) -> set[str] | None:
        if documents is None:
            return None
        if isinstance(documents, str):
            documents = [documents]
        scope = set(documents)
        for doc_id in scope:
            self.collection.entry(doc_id)  # raises UnknownDocumentError with the known ids
        return scope

    def chat(self) -> Chat[Assistant]:
        """A conversation over this assistant's documents (follow-up questions understood)."""
        return Chat(self)

    # ----- persistence ---------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the index to `directory` atomically; returns the generation written.

        A crash mid-save leaves the previous save loadable. JSON, NumPy and FAISS files
        only; no pickle.

        Raises:
            IndexLockedError: another process is saving to the same directory.
            StoreError: the directory cannot be written.
        """
        return store.save(self.collection, directory)
