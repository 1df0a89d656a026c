"""Finding passages in the database: nearest by vector (pgvector HNSW) and by words
(PostgreSQL full-text ranking).

Both read only the collections asked for, and optionally only some documents. A filter
on an HNSW scan would otherwise return fewer than k rows: the index yields its ef_search
nearest, and the filter drops those of other scopes. pgvector 0.8's iterative scans keep
reading the index until k rows pass the filter, so a question scoped to one document of
a large library still gets its k passages.

The word search ORs the question's lexemes: a question shares only some words with its
answer, and an AND of all of them would find nothing for most questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import Connection, sql
from psycopg.rows import TupleRow

from qa.store.postgres.documents import vector_text

MIN_EF_SEARCH = 40  # pgvector's default candidate list; raised for larger k


@dataclass(frozen=True)
class PassageHit:
    """One passage found: its document, its position in that document, and its score
    (cosine similarity for the dense search, ts_rank_cd for the word search)."""

    collection: str
    doc_id: str
    position: int
    score: float


def _scope(collections: Sequence[str], doc_ids: Sequence[str] | None) -> tuple[sql.SQL, list[Any]]:
    """The WHERE condition for a scope (a fixed fragment) and its parameters."""
    params: list[Any] = [list(collections)]
    if doc_ids is None:
        return sql.SQL("collection = ANY(%s)"), params
    params.append(list(doc_ids))
    return sql.SQL("collection = ANY(%s) AND doc_id = ANY(%s)"), params


def _hits(
    connection: Connection[TupleRow],
    query: sql.Composed,
    params: list[Any],
    settings: Sequence[tuple[str, str]] = (),
) -> list[PassageHit]:
    """Run one search in its own transaction, with `settings` (name, value) local to it."""
    with connection.transaction(), connection.cursor() as cursor:
        for name, value in settings:
            cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return [PassageHit(str(c), str(d), int(p), float(s)) for c, d, p, s in rows]


def _empty(k: int, collections: Sequence[str], doc_ids: Sequence[str] | None) -> bool:
    return k <= 0 or not collections or (doc_ids is not None and not doc_ids)


def dense(
    connection: Connection[TupleRow],
    vector: np.ndarray,
    k: int,
    collections: Sequence[str],
    doc_ids: Sequence[str] | None = None,
) -> list[PassageHit]:
    """The k passages nearest `vector` by cosine, best first, within the scope."""
    if _empty(k, collections, doc_ids):
        return []
    where, params = _scope(collections, doc_ids)
    query = sql.SQL(
        "SELECT collection, doc_id, position, 1 - (embedding <=> %s::vector) AS score "
        "FROM passages WHERE {} ORDER BY embedding <=> %s::vector LIMIT %s"
    ).format(where)
    text = vector_text(vector)
    settings = [
        ("hnsw.iterative_scan", "relaxed_order"),
        ("hnsw.ef_search", str(max(MIN_EF_SEARCH, k))),
    ]
    hits = _hits(connection, query, [text, *params, text, k], settings)
    # relaxed_order may return rows slightly out of order; the caller wants best first
    return sorted(hits, key=lambda hit: -hit.score)


def lexical(
    connection: Connection[TupleRow],
    question: str,
    k: int,
    collections: Sequence[str],
    doc_ids: Sequence[str] | None = None,
) -> list[PassageHit]:
    """Up to k passages sharing words with `question`, ranked by ts_rank_cd, best first."""
    if _empty(k, collections, doc_ids):
        return []
    where, params = _scope(collections, doc_ids)
    query = sql.SQL(
        "WITH q AS (SELECT nullif(replace(plainto_tsquery('english', %s)::text, "
        "' & ', ' | '), '')::tsquery AS query) "
        "SELECT collection, doc_id, position, ts_rank_cd(lexemes, q.query) AS score "
        "FROM passages, q WHERE q.query IS NOT NULL AND lexemes @@ q.query AND {} "
        "ORDER BY score DESC, collection, doc_id, position LIMIT %s"
    ).format(where)
    return _hits(connection, query, [question, *params, k])
