"""Writing and reading documents: each add and each delete one transaction.

An add writes the document row, its sentences and its passages with their vectors in one
transaction, so another connection sees all of it or none of it, even if the writer dies
half-way. The document row is inserted with ON CONFLICT DO NOTHING on its content-hash
key: of two connections adding the same content to one collection at once, the second
waits for the first to commit and then finds the row there, and writes nothing.

Every value travels as a query parameter (or a COPY row); no text is ever spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from psycopg import Connection, sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from qa.errors import UnknownDocumentError
from qa.store.contents import blocks_from_json, blocks_to_json
from qa.store.postgres.records import StoredDocument
from qa.types import Chunk, Document, Span

LIBRARY = "library"  # the collection every session shares
MAX_COLLECTION_CHARS = 200


def check_collection(collection: str) -> str:
    """The collection name, or ValueError naming the parameter and what is wrong."""
    if not isinstance(collection, str) or not 0 < len(collection) <= MAX_COLLECTION_CHARS:
        raise ValueError(
            f"collection must be a name of 1 to {MAX_COLLECTION_CHARS} characters, "
            f"got {str(collection)[:40]!r}."
        )
    if "\x00" in collection:
        raise ValueError("collection must not contain a NUL character.")
    return collection


def add(connection: Connection[TupleRow], record: StoredDocument, collection: str) -> bool:
    """Store `record` in `collection` in one transaction; returns False when that
    collection already held the same content (nothing is written then)."""
    doc = record.document
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collections (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
            (collection,),
        )
        cursor.execute(
            "INSERT INTO documents (collection, id, title, text, source, site, blocks) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (collection, id) DO NOTHING RETURNING id",
            (
                collection,
                doc.id,
                doc.title,
                doc.text,
                doc.source,
                doc.site,
                Jsonb(blocks_to_json(doc.blocks) if doc.blocks else {}),
            ),
        )
        if cursor.fetchone() is None:
            return False
        _write_sentences(connection, collection, record)
        _write_passages(connection, collection, record)
        cursor.execute(
            "UPDATE passages p SET lexemes = to_tsvector('english', "
            "substr(d.text, p.start_char + 1, p.end_char - p.start_char)) "
            "FROM documents d WHERE d.collection = p.collection AND d.id = p.doc_id "
            "AND p.collection = %s AND p.doc_id = %s",
            (collection, doc.id),
        )
    return True


def _write_sentences(
    connection: Connection[TupleRow], collection: str, record: StoredDocument
) -> None:
    doc_id = record.document.id
    rows = (
        (collection, doc_id, position, span.start, span.end, vector_text(vector))
        for position, (span, vector) in enumerate(
            zip(record.sentences, record.sentence_vectors, strict=True)
        )
    )
    _copy_rows(
        connection,
        "sentences",
        ("collection", "doc_id", "position", "start_char", "end_char", "embedding"),
        rows,
    )


def _write_passages(
    connection: Connection[TupleRow], collection: str, record: StoredDocument
) -> None:
    doc_id = record.document.id
    rows = (
        (
            collection,
            doc_id,
            chunk.index,
            chunk.start,
            chunk.end,
            chunk.first_sentence,
            chunk.last_sentence,
            vector_text(vector),
        )
        for chunk, vector in zip(record.passages, record.passage_vectors, strict=True)
    )
    columns = ("collection", "doc_id", "position", "start_char", "end_char")
    _copy_rows(
        connection,
        "passages",
        (*columns, "first_sentence", "last_sentence", "embedding"),
        rows,
    )


def _copy_rows(
    connection: Connection[TupleRow],
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> None:
    """Rows into `table` by COPY: a document's hundreds of rows in one round trip, where
    one INSERT each would make ingest a chain of network waits."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def delete(connection: Connection[TupleRow], doc_id: str, collection: str) -> Document:
    """Remove a document and its sentences and passages from `collection`, in one
    transaction; returns it.

    Raises:
        UnknownDocumentError: the collection has no document `doc_id`.
    """
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM documents WHERE collection = %s AND id = %s "
            "RETURNING id, title, text, source, site, blocks",
            (collection, doc_id),
        )
        row = cursor.fetchone()
    if row is None:
        raise _unknown(doc_id, collection)
    return _document(row)


def list_documents(connection: Connection[TupleRow], collection: str) -> list[Document]:
    """The documents of `collection` in the order they were added (none for a new name)."""
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title, text, source, site, blocks FROM documents "
            "WHERE collection = %s ORDER BY seq",
            (collection,),
        )
        return [_document(row) for row in cursor.fetchall()]


def get(
    connection: Connection[TupleRow], doc_id: str, collection: str, dimension: int
) -> StoredDocument:
    """One document with its sentences, passages and vectors, read in one snapshot.

    Raises:
        UnknownDocumentError: the collection has no document `doc_id`.
    """
    key = (collection, doc_id)
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(
            "SELECT id, title, text, source, site, blocks FROM documents "
            "WHERE collection = %s AND id = %s",
            key,
        )
        row = cursor.fetchone()
        if row is None:
            raise _unknown(doc_id, collection)
        cursor.execute(
            "SELECT start_char, end_char, embedding::text FROM sentences "
            "WHERE collection = %s AND doc_id = %s ORDER BY position",
            key,
        )
        sentences = cursor.fetchall()
        cursor.execute(
            "SELECT position, start_char, end_char, first_sentence, last_sentence, "
            "embedding::text FROM passages WHERE collection = %s AND doc_id = %s "
            "ORDER BY position",
            key,
        )
        passages = cursor.fetchall()
    document = _document(row)
    text = document.text
    chunks = tuple(
        Chunk(doc_id, int(p[0]), int(p[1]), int(p[2]), text[p[1] : p[2]], int(p[3]), int(p[4]))
        for p in passages
    )
    return StoredDocument(
        document,
        tuple(Span(int(s[0]), int(s[1])) for s in sentences),
        _matrix([s[2] for s in sentences], dimension),
        chunks,
        _matrix([p[5] for p in passages], dimension),
    )


def _document(row: Sequence[Any]) -> Document:
    doc_id, title, text, source, site, blocks = row
    info = {**blocks, "id": doc_id} if blocks else {"id": doc_id}
    return Document(
        id=doc_id,
        title=title,
        text=text,
        source=source,
        site=site,
        blocks=blocks_from_json(info, len(text)),
    )


def _unknown(doc_id: str, collection: str) -> UnknownDocumentError:
    return UnknownDocumentError(f"No document with id {doc_id!r} in collection {collection!r}.")


def vector_text(row: np.ndarray) -> str:
    """pgvector's text form. A float32 widened to a Python float prints the shortest
    decimal that reads back as that same double, and so as the same float32."""
    return "[" + ",".join(repr(x) for x in row.tolist()) + "]"


def _matrix(texts: Sequence[str], dimension: int) -> np.ndarray:
    """Rows of pgvector's text form ("[0.1,0.2]") as one (rows, dimension) float32 matrix."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.array([t[1:-1].split(",") for t in texts], dtype=np.float32)
