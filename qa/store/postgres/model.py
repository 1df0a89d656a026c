"""The embedding model a database's vectors were made with, recorded once and checked at
every connect, as `store.check_model` checks a saved index's manifest."""

from __future__ import annotations

from psycopg import Cursor
from psycopg.rows import TupleRow

from embeddings import TextEncoder
from qa.errors import IndexMismatchError


def record_or_check_model(cursor: Cursor[TupleRow], embedder: TextEncoder, where: str) -> None:
    """Record `embedder` in a new database's metadata, or refuse one built by another model.

    Raises:
        IndexMismatchError: the database holds vectors of another model, dimension or
            weights; the message names both models.
    """
    cursor.execute(
        "INSERT INTO qa_metadata (model_name, model_weights_sha256, dimension) "
        "VALUES (%s, %s, %s) ON CONFLICT (singleton) DO NOTHING",
        (embedder.name, embedder.weights_sha256 or "", embedder.dimension),
    )
    cursor.execute("SELECT model_name, model_weights_sha256, dimension FROM qa_metadata")
    row = cursor.fetchone()
    if row is None:  # the row is never deleted by this program
        raise IndexMismatchError(f"The database at {where} has no model metadata row.")
    name, weights, dimension = str(row[0]), str(row[1]), int(row[2])
    if name != embedder.name or dimension != embedder.dimension:
        raise IndexMismatchError(
            f"The database at {where} holds vectors of model {name!r} (dimension "
            f"{dimension}), but the current model is {embedder.name!r} (dimension "
            f"{embedder.dimension}). Connect with model={name!r}, or use another database."
        )
    if weights and weights != embedder.weights_sha256:
        raise IndexMismatchError(
            f"The database at {where} holds vectors of model {name!r} whose weights have "
            f"SHA-256 {weights}, but the current model {embedder.name!r} has "
            f"{embedder.weights_sha256 or 'no readable weights'}. Use another database, or "
            "re-embed its documents."
        )
