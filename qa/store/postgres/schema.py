"""The database's schema, as numbered migrations applied at connect in one transaction.

The `schema_version` table lists every migration applied. Connecting applies the ones a
database lacks, in order, inside one transaction that holds an advisory lock, so two
processes connecting to a new database at once migrate it once, and a failure leaves it
as it was. A database whose schema is newer than this program's is refused, never
migrated down.

Version 1:

    qa_metadata   one row: the embedding model's name, weights checksum and dimension,
                  which every vector column is typed with (pgvector's `vector(N)`)
    collections   name: a scope of documents (a shared library, one browser session)
    documents     (collection, id): the content-hash id, title, source, site, text, blocks
    sentences     (collection, doc_id, position): exact offsets into the text, a vector
    passages      id; (collection, doc_id, position): exact offsets, the first and last
                  sentence they span, a vector

Version 2, for searching in the database (search.py):

    passages.lexemes    the passage's text as an English full-text vector (a GIN index),
                        filled in the add's own transaction
    passages_nearest    an HNSW index on passages.embedding by cosine distance

Offsets count characters (Unicode code points), as Python's `str` does and as PostgreSQL's
`substr` on UTF-8 text does, so `text[start_char:end_char]` is the same string on both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from psycopg import Cursor, errors, sql
from psycopg.rows import TupleRow

from qa.errors import StoreError

# Any constant key serialises migrators: pg_advisory_xact_lock takes a 64-bit integer.
MIGRATION_LOCK = 0x71612D6173736973  # "qa-assis"
MAX_DIMENSION = 2000  # pgvector's HNSW indexes vector columns of up to 2,000 dimensions


@dataclass(frozen=True)
class Migration:
    """One step of the schema: `apply` runs its statements on a cursor inside the
    migration transaction, given the vector dimension the database is created with."""

    version: int
    summary: str
    apply: Callable[[Cursor[TupleRow], int], None]


# Version 1's statements, in order, each formatted: "{vector}" stands for the column type
# vector(N), and "{{}}" is a literal "{}".
_VERSION_1: tuple[sql.SQL, ...] = (
    sql.SQL("CREATE EXTENSION IF NOT EXISTS vector"),
    sql.SQL(
        """CREATE TABLE qa_metadata (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            model_name text NOT NULL,
            model_weights_sha256 text NOT NULL DEFAULT '',
            dimension integer NOT NULL CHECK (dimension > 0),
            created_at timestamptz NOT NULL DEFAULT now())"""
    ),
    sql.SQL(
        """CREATE TABLE collections (
            name text PRIMARY KEY CHECK (name <> ''),
            created_at timestamptz NOT NULL DEFAULT now())"""
    ),
    sql.SQL(
        """CREATE TABLE documents (
            collection text NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
            id text NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            title text NOT NULL,
            source text NOT NULL DEFAULT '',
            site text NOT NULL DEFAULT '',
            text text NOT NULL,
            blocks jsonb NOT NULL DEFAULT '{{}}',
            added_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (collection, id))"""
    ),
    sql.SQL("CREATE INDEX documents_in_order ON documents (collection, seq)"),
    sql.SQL(
        """CREATE TABLE sentences (
            collection text NOT NULL,
            doc_id text NOT NULL,
            position integer NOT NULL CHECK (position >= 0),
            start_char integer NOT NULL,
            end_char integer NOT NULL,
            embedding {vector} NOT NULL,
            PRIMARY KEY (collection, doc_id, position),
            FOREIGN KEY (collection, doc_id) REFERENCES documents ON DELETE CASCADE,
            CHECK (0 <= start_char AND start_char < end_char))"""
    ),
    sql.SQL(
        """CREATE TABLE passages (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            collection text NOT NULL,
            doc_id text NOT NULL,
            position integer NOT NULL CHECK (position >= 0),
            start_char integer NOT NULL,
            end_char integer NOT NULL,
            first_sentence integer NOT NULL,
            last_sentence integer NOT NULL,
            embedding {vector} NOT NULL,
            UNIQUE (collection, doc_id, position),
            FOREIGN KEY (collection, doc_id) REFERENCES documents ON DELETE CASCADE,
            CHECK (0 <= start_char AND start_char < end_char),
            CHECK (0 <= first_sentence AND first_sentence <= last_sentence))"""
    ),
)


def _version_1(cursor: Cursor[TupleRow], dimension: int) -> None:
    vector = sql.SQL("vector({})").format(sql.Literal(dimension))
    for statement in _VERSION_1:
        cursor.execute(statement.format(vector=vector))


def _version_2(cursor: Cursor[TupleRow], dimension: int) -> None:
    cursor.execute("ALTER TABLE passages ADD COLUMN lexemes tsvector")
    cursor.execute(
        "UPDATE passages p SET lexemes = to_tsvector('english', "
        "substr(d.text, p.start_char + 1, p.end_char - p.start_char)) "
        "FROM documents d WHERE d.collection = p.collection AND d.id = p.doc_id"
    )
    cursor.execute("CREATE INDEX passages_words ON passages USING gin (lexemes)")
    cursor.execute(
        "CREATE INDEX passages_nearest ON passages USING hnsw (embedding vector_cosine_ops)"
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "collections, documents, sentences, passages, model metadata", _version_1),
    Migration(2, "full-text lexemes and an HNSW index on passages", _version_2),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def applied_version(cursor: Cursor[TupleRow]) -> int:
    """The newest migration the database has (0 for a database without our tables)."""
    cursor.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    row = cursor.fetchone()
    if row is None or not row[0]:
        return 0
    cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version")
    row = cursor.fetchone()
    return int(row[0]) if row is not None else 0


def migrate(cursor: Cursor[TupleRow], dimension: int, where: str) -> list[int]:
    """Bring the schema up to SCHEMA_VERSION; returns the versions applied (often none).

    Run inside the caller's transaction: the caller commits, or rolls everything back.

    Raises:
        StoreError: the database's schema is newer than this program's, the vector
            dimension is out of pgvector's range, or pgvector cannot be enabled.
    """
    if not 0 < dimension <= MAX_DIMENSION:
        raise StoreError(
            f"Vector dimension {dimension} cannot be stored: pgvector indexes 1 to "
            f"{MAX_DIMENSION} dimensions."
        )
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
    current = applied_version(cursor)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"The database at {where} has schema version {current}; this program knows "
            f"versions up to {SCHEMA_VERSION}. Upgrade qa-assistant to use this database."
        )
    cursor.execute(
        """CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY,
            summary text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())"""
    )
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        try:
            migration.apply(cursor, dimension)
        except errors.InsufficientPrivilege as err:
            raise StoreError(
                f"Cannot create the schema in the database at {where}: {err.diag.message_primary}. "
                "Ask its administrator to run CREATE EXTENSION vector (pgvector 0.8 or newer) "
                "in this database, or connect as a user who may create tables."
            ) from err
        except errors.UndefinedFile as err:  # no vector.control: pgvector is not installed
            raise StoreError(
                f"The database server at {where} has no pgvector extension "
                f"({err.diag.message_primary}). Install pgvector 0.8 or newer on the server."
            ) from err
        except errors.FeatureNotSupported as err:
            raise StoreError(
                f"The database at {where} cannot hold this schema: {err.diag.message_primary}"
            ) from err
        cursor.execute(
            "INSERT INTO schema_version (version, summary) VALUES (%s, %s)",
            (migration.version, migration.summary),
        )
        applied.append(migration.version)
    return applied
