"""One connection to a PostgreSQL database holding a qa-assistant collection.

`Database.connect(url, embedder)` opens the connection, applies the schema migrations the
database lacks and checks that its vectors are the embedder's, all in one transaction;
then documents are added, listed, read and deleted, each call its own transaction.

Safe to share between threads: calls on one `Database` take turns on its connection.
Several processes (or several `Database`s) may write to one database at once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

import numpy as np
import psycopg
from psycopg import Connection
from psycopg.rows import TupleRow

from embeddings import TextEncoder
from qa.errors import DatabaseUnavailableError, StoreError
from qa.store.postgres import documents, search
from qa.store.postgres.documents import LIBRARY, check_collection
from qa.store.postgres.model import record_or_check_model
from qa.store.postgres.records import StoredDocument
from qa.store.postgres.schema import applied_version, migrate
from qa.store.postgres.search import PassageHit
from qa.store.postgres.urls import describe, redact
from qa.types import Document

CONNECT_TIMEOUT = 10  # seconds; libpq's own default is to wait forever
APPLICATION_NAME = "qa-assistant"  # what the server's pg_stat_activity shows


class Database:
    """A qa-assistant collection in PostgreSQL. Open one with `Database.connect`.

    Attributes:
        where: the server and database it is connected to, password-free.
        dimension: the vector dimension the database stores.
    """

    def __init__(
        self, connection: Connection[TupleRow], *, url: str, where: str, dimension: int
    ) -> None:
        self._connection = connection
        self._url = url
        self._lock = threading.Lock()
        self.where = where
        self.dimension = dimension

    @classmethod
    def connect(
        cls, url: str, embedder: TextEncoder, *, connect_timeout: int = CONNECT_TIMEOUT
    ) -> Database:
        """Connect, migrate the schema to this program's version, and check the model.

        Args:
            url: a libpq connection string, `postgresql://user:password@host:5432/db` or
                `host=... dbname=...`; the caller reads it (e.g. from QA_DATABASE_URL).
            embedder: the model whose vectors the database holds; a new database
                records its name, weights checksum and dimension.
            connect_timeout: seconds to wait for the server before giving up.

        Raises:
            DatabaseUnavailableError: the server cannot be reached or refuses the login;
                the message names host, port and database, never the password.
            StoreError: the connection string is malformed, the database's schema is newer
                than this program's, or pgvector is missing.
            IndexMismatchError: the database holds vectors of another model or dimension.
        """
        where = describe(url)
        try:
            connection = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=connect_timeout,
                application_name=APPLICATION_NAME,
            )
        except psycopg.OperationalError as err:
            raise _unavailable(err, url, where, "connect to") from None
        except psycopg.ProgrammingError as err:  # libpq could not parse the string
            raise StoreError(
                f"The database connection string is not valid: {_reason(err, url)}"
            ) from None
        try:
            with _translated(url, where), connection.transaction(), connection.cursor() as cursor:
                migrate(cursor, embedder.dimension, where)
                record_or_check_model(cursor, embedder, where)
        except BaseException:
            connection.close()
            raise
        return cls(connection, url=url, where=where, dimension=embedder.dimension)

    def __repr__(self) -> str:
        state = "closed" if self._connection.closed else "open"
        return f"Database({self.where}, {state})"

    def close(self) -> None:
        """Close the connection (harmless when already closed)."""
        self._connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # ----- reading -----------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """The newest schema migration applied to the database."""
        with self._session() as connection, connection.cursor() as cursor:
            return applied_version(cursor)

    def list_documents(self, collection: str = LIBRARY) -> list[Document]:
        """The documents of one collection, in the order they were added; none of any other."""
        collection = check_collection(collection)
        with self._session() as connection:
            return documents.list_documents(connection, collection)

    def get_document(self, doc_id: str, *, collection: str = LIBRARY) -> StoredDocument:
        """A document with its sentences, passages and vectors, as they were added.

        Raises:
            UnknownDocumentError: the collection has no document `doc_id`.
        """
        collection = check_collection(collection)
        with self._session() as connection:
            return documents.get(connection, doc_id, collection, self.dimension)

    # ----- searching ---------------------------------------------------------------
    def nearest_passages(
        self,
        vector: np.ndarray,
        k: int,
        *,
        collections: Sequence[str] = (LIBRARY,),
        doc_ids: Sequence[str] | None = None,
    ) -> list[PassageHit]:
        """The k passages nearest `vector` (cosine, HNSW with iterative scans), best first,
        from `collections` only, and from `doc_ids` only when given."""
        scope = [check_collection(c) for c in collections]
        if vector.shape != (self.dimension,):
            raise ValueError(f"vector must have shape ({self.dimension},), got {vector.shape}.")
        with self._session() as connection:
            return search.dense(connection, vector, k, scope, doc_ids)

    def passages_with_words(
        self,
        question: str,
        k: int,
        *,
        collections: Sequence[str] = (LIBRARY,),
        doc_ids: Sequence[str] | None = None,
    ) -> list[PassageHit]:
        """Up to k passages sharing words with `question` (full-text rank), best first."""
        scope = [check_collection(c) for c in collections]
        with self._session() as connection:
            return search.lexical(connection, question, k, scope, doc_ids)

    # ----- writing -----------------------------------------------------------------
    def add_document(self, record: StoredDocument, *, collection: str = LIBRARY) -> bool:
        """Store a document with its sentences, passages and vectors, in one transaction.

        Returns False, writing nothing, when the collection already holds the same
        content: adding twice, or from two processes at once, stores it once.

        Raises:
            DocumentError: the record's pieces do not fit together (nothing is written).
            DatabaseUnavailableError: the connection was lost (nothing is written).
        """
        collection = check_collection(collection)
        record.check(self.dimension)
        with self._session() as connection:
            return documents.add(connection, record, collection)

    def delete_document(self, doc_id: str, *, collection: str = LIBRARY) -> Document:
        """Remove a document and its passages and sentences, in one transaction; returns it.

        Raises:
            UnknownDocumentError: the collection has no document `doc_id`.
        """
        collection = check_collection(collection)
        with self._session() as connection:
            return documents.delete(connection, doc_id, collection)

    @contextmanager
    def _session(self) -> Iterator[Connection[TupleRow]]:
        with self._lock, _translated(self._url, self.where):
            if self._connection.closed:
                raise StoreError(f"The connection to the database at {self.where} is closed.")
            yield self._connection


@contextmanager
def _translated(url: str, where: str) -> Iterator[None]:
    """Lost connections as DatabaseUnavailableError; other server errors as StoreError."""
    try:
        yield
    except psycopg.OperationalError as err:
        raise _unavailable(err, url, where, "reach") from None
    except psycopg.Error as err:
        raise StoreError(f"The database at {where} refused: {_reason(err, url)}") from None


def _unavailable(err: psycopg.Error, url: str, where: str, action: str) -> DatabaseUnavailableError:
    return DatabaseUnavailableError(
        f"Cannot {action} the database at {where}: {_reason(err, url)}. Check that the "
        "server is running and the connection string is right, then try again.",
        target=where,
    )


def _reason(err: psycopg.Error, url: str) -> str:
    """libpq's message on one line, with the password hidden; never the exception chain,
    whose arguments could quote the connection string."""
    return redact(re.sub(r"\s+", " ", str(err)).strip().rstrip("."), url)
