"""Searching passages in PostgreSQL: nearest by vector (HNSW) and by words (full text),
each within its scope, with k results even when the scope is one document of many."""

from __future__ import annotations

import numpy as np
import pytest

psycopg = pytest.importorskip(
    "psycopg", reason="psycopg is not installed: pip install -e '.[test]'"
)

from qa.store.postgres import Database  # noqa: E402

pytestmark = pytest.mark.postgres

TOPICS = [
    "The harbour opened in 1887. Ferries leave every hour from pier two.",
    "Tickets cost four euros. Children under six travel free.",
    "The lighthouse keeper lived alone on the rock for thirty years.",
    "Glaciers carved the valley during the last ice age.",
    "The violin was made in Cremona by a pupil of Amati.",
]


@pytest.fixture
def database(database_url, fake_encoder):
    with Database.connect(database_url, fake_encoder) as opened:
        yield opened


def test_the_nearest_passage_is_the_one_brute_force_finds(database, make_record, fake_encoder):
    records = [make_record(text, title=f"t{i}") for i, text in enumerate(TOPICS)]
    for record in records:
        database.add_document(record)
    query = fake_encoder.encode(["When did the harbour open?"])[0]
    hits = database.nearest_passages(query, 3)

    vectors = np.vstack([r.passage_vectors for r in records])
    keys = [(r.document.id, c.index) for r in records for c in r.passages]
    cosine = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    expected = [keys[i] for i in np.argsort(-cosine)[:3]]
    assert [(h.doc_id, h.position) for h in hits] == expected
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert abs(hits[0].score - float(cosine.max())) < 1e-4


def test_a_search_scoped_to_one_document_of_many_still_gets_k(
    database_url, make_record, fake_encoder
):
    target = make_record(" ".join(f"Rule {i} of the harbour says keep left." for i in range(200)))
    with Database.connect(database_url, fake_encoder) as database:
        database.add_document(target)
        for i in range(120):
            database.add_document(make_record(f"Unrelated note {i} about ferries and tickets {i}."))
    # A table this small is read whole by the planner; make it take an index, as it does
    # on a large library (HNSW with iterative scans, or the document key).
    with psycopg.connect(database_url, autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(
            psycopg.sql.SQL("ALTER DATABASE {} SET enable_seqscan = off").format(
                psycopg.sql.Identifier(name)
            )
        )
    assert len(target.passages) >= 4
    query = fake_encoder.encode(["Unrelated note about ferries"])[0]
    with Database.connect(database_url, fake_encoder) as database:
        hits = database.nearest_passages(query, 4, doc_ids=[target.document.id])
        everywhere = database.nearest_passages(query, 4)
    assert len(hits) == 4 and {h.doc_id for h in hits} == {target.document.id}
    assert target.document.id not in {h.doc_id for h in everywhere}


def _only_ordered_index_scans(database_url: str) -> None:
    """Make the planner answer ORDER BY distance from the HNSW index, as it does on a
    large library: no whole-table reads and no sorting, so no other plan is left."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        name = psycopg.sql.Identifier(connection.info.dbname)
        for setting in ("enable_seqscan", "enable_sort"):
            connection.execute(
                psycopg.sql.SQL("ALTER DATABASE {} SET {} = off").format(
                    name, psycopg.sql.Identifier(setting)
                )
            )


def test_a_small_collection_beside_a_large_library_gets_k_through_the_hnsw_index(
    database_url, make_record, fake_encoder
):
    """The library's passages crowd HNSW's first ef_search candidates; only iterative
    scans keep reading until k of the session's own come through the filter."""
    mine = make_record(" ".join(f"Rule {i} of the harbour says keep left." for i in range(200)))
    with Database.connect(database_url, fake_encoder) as database:
        database.add_document(mine, collection="session-a")
        for i in range(150):
            database.add_document(make_record(f"Unrelated note {i} about ferries and tickets {i}."))
    _only_ordered_index_scans(database_url)
    query = fake_encoder.encode(["Unrelated note about ferries"])[0]
    with psycopg.connect(database_url) as connection:
        plan = connection.execute(
            "EXPLAIN SELECT doc_id FROM passages WHERE collection = ANY(%s) "
            "ORDER BY embedding <=> %s::vector LIMIT 4",
            (["session-a"], "[" + ",".join(f"{x:.6f}" for x in query) + "]"),
        ).fetchall()
    assert "passages_nearest" in " ".join(row[0] for row in plan), plan

    with Database.connect(database_url, fake_encoder) as database:
        hits = database.nearest_passages(query, 4, collections=["session-a"])
        library = database.nearest_passages(query, 40)
    assert len(mine.passages) >= 4
    assert len(hits) == 4 and {h.collection for h in hits} == {"session-a"}
    assert mine.document.id not in {h.doc_id for h in library}, "the library is nearer"


def test_a_collection_never_sees_another_collections_passages(database, make_record, fake_encoder):
    mine, theirs = make_record(TOPICS[2]), make_record(TOPICS[3])
    database.add_document(mine, collection="session-a")
    database.add_document(theirs, collection="session-b")
    query = fake_encoder.encode(["glaciers lighthouse"])[0]
    seen = {h.doc_id for h in database.nearest_passages(query, 10, collections=["session-a"])}
    assert seen == {mine.document.id}
    words = database.passages_with_words("glaciers", 10, collections=["session-a"])
    assert words == []
    both = database.passages_with_words(
        "glaciers lighthouse", 10, collections=["session-a", "session-b"]
    )
    assert {h.doc_id for h in both} == {mine.document.id, theirs.document.id}


def test_the_word_search_ranks_the_passage_with_the_rare_words_first(database, make_record):
    records = [make_record(text) for text in TOPICS]
    for record in records:
        database.add_document(record)
    hits = database.passages_with_words("Who made the violin in Cremona?", 5)
    assert hits[0].doc_id == records[4].document.id
    assert database.passages_with_words("the of and", 5) == [], "stop words alone find nothing"
    assert database.passages_with_words("'); DROP TABLE passages; --", 5) == []
    assert database.passages_with_words("glaciers", 5, doc_ids=[]) == []


def test_a_database_of_schema_1_gains_the_search_columns_at_connect(
    database_url, fake_encoder, make_record
):
    with Database.connect(database_url, fake_encoder) as database:
        database.add_document(make_record(TOPICS[4]))
    with psycopg.connect(database_url, autocommit=True) as connection:  # back to version 1
        connection.execute("DROP INDEX passages_nearest")
        connection.execute("ALTER TABLE passages DROP COLUMN lexemes")
        connection.execute("DELETE FROM schema_version WHERE version = 2")
    with Database.connect(database_url, fake_encoder) as database:
        assert database.schema_version == 2
        assert database.passages_with_words("violin", 5)[0].position == 0


def test_a_vector_of_the_wrong_shape_is_refused_by_name(database):
    with pytest.raises(ValueError, match=r"vector must have shape \(64,\)"):
        database.nearest_passages(np.zeros(3, dtype=np.float32), 3)
