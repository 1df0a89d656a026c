"""Documents in PostgreSQL: stored exactly, once, in one transaction, in their own scope."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

psycopg = pytest.importorskip(
    "psycopg", reason="psycopg is not installed: pip install -e '.[test]'"
)

from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from qa.errors import DocumentError, UnknownDocumentError  # noqa: E402
from qa.store.postgres import Database, StoredDocument, documents  # noqa: E402
from qa.types import Block, Document, content_id  # noqa: E402

pytestmark = pytest.mark.postgres

HARBOUR = (
    "The harbour opened in 1887. Ferries leave every hour from pier two.\n\n"
    "Tickets cost four euros; children under six travel free."
)
WORLD = "Zoë’s café serves crème brûlée 🍮 on Sundays. The 😀 menu changes each week."
INJECTION = "'); DROP TABLE documents; --"


@pytest.fixture
def database(database_url, fake_encoder):
    with Database.connect(database_url, fake_encoder) as opened:
        yield opened


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
        ).fetchone()
    return int(row[0])


def assert_same(back: StoredDocument, record: StoredDocument) -> None:
    assert back.document == record.document
    assert back.sentences == record.sentences
    assert back.passages == record.passages
    assert np.array_equal(back.sentence_vectors, record.sentence_vectors)
    assert np.array_equal(back.passage_vectors, record.passage_vectors)


def test_text_offsets_and_vectors_come_back_exactly(database, make_record):
    record = make_record(WORLD, title="Café 🍮", source="/docs/café.txt")
    assert database.add_document(record) is True
    back = database.get_document(record.document.id)
    assert_same(back, record)
    # Offsets count code points on both sides, astral emoji included.
    text = back.document.text
    assert [text[s.start : s.end] for s in back.sentences] == [
        "Zoë’s café serves crème brûlée 🍮 on Sundays.",
        "The 😀 menu changes each week.",
    ]
    assert back.sentence_vectors.dtype == np.float32


def test_a_documents_blocks_and_site_come_back(database, fake_encoder):
    text = "Install\n\nRun the installer twice."
    document = Document(
        id=content_id(text),
        title="Guide",
        text=text,
        source="guide.md",
        blocks=(Block("heading", 0, 7, 1), Block("paragraph", 9, 33, 0, ("Install",))),
        site="Example docs",
    )
    vector = np.ones((1, fake_encoder.dimension), dtype=np.float32)
    record = StoredDocument(document, (), vector[:0], (), vector[:0])
    database.add_document(record)
    assert database.get_document(document.id).document == document
    assert database.list_documents() == [document]


def test_the_same_content_added_twice_is_stored_once(database, database_url, make_record):
    record = make_record(HARBOUR, title="Harbour")
    assert database.add_document(record) is True
    assert database.add_document(record) is False
    assert [d.id for d in database.list_documents()] == [record.document.id]
    assert count(database_url, "passages") == len(record.passages)
    assert count(database_url, "sentences") == len(record.sentences)


def test_concurrent_adds_of_the_same_content_store_it_once(database_url, fake_encoder, make_record):
    record = make_record(HARBOUR, title="Harbour")
    writers = [Database.connect(database_url, fake_encoder) for _ in range(4)]
    start = threading.Barrier(len(writers))
    results: list[bool] = []

    def add(database: Database) -> None:
        start.wait()
        results.append(database.add_document(record))

    threads = [threading.Thread(target=add, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.close()
    assert sorted(results) == [False, False, False, True]
    assert count(database_url, "documents") == 1
    assert count(database_url, "passages") == len(record.passages)
    assert count(database_url, "sentences") == len(record.sentences)


def test_a_failure_mid_transaction_leaves_nothing(database, database_url, make_record, monkeypatch):
    record = make_record(HARBOUR, title="Harbour")

    def fail(*args: object) -> None:
        raise RuntimeError("the process died after the sentences were written")

    with monkeypatch.context() as patched:
        patched.setattr(documents, "_write_passages", fail)
        with pytest.raises(RuntimeError, match="process died"):
            database.add_document(record)
    for table in ("collections", "documents", "sentences", "passages"):
        assert count(database_url, table) == 0, table
    assert database.add_document(record) is True  # and the connection is usable after


def test_sql_in_text_title_source_and_collection_is_stored_verbatim(database, make_record):
    text = f"{INJECTION} is how the attack reads. Robert'); DROP TABLE students;-- too."
    record = make_record(text, title=INJECTION, source=f"/tmp/{INJECTION}.txt")
    assert database.add_document(record, collection=INJECTION) is True
    [listed] = database.list_documents(INJECTION)
    assert (listed.text, listed.title, listed.source) == (text, INJECTION, f"/tmp/{INJECTION}.txt")
    assert_same(database.get_document(record.document.id, collection=INJECTION), record)
    assert database.list_documents() == []  # the tables are all still there
    assert database.delete_document(record.document.id, collection=INJECTION) == listed


def test_one_collection_never_lists_or_reads_anothers_documents(database, make_record):
    mine = make_record("My upload about tide tables.", title="Mine")
    theirs = make_record("Their upload about payroll.", title="Theirs")
    shared = make_record(HARBOUR, title="Harbour")
    database.add_document(mine, collection="session-1")
    database.add_document(theirs, collection="session-2")
    database.add_document(shared)
    assert [d.title for d in database.list_documents("session-1")] == ["Mine"]
    assert [d.title for d in database.list_documents("session-2")] == ["Theirs"]
    assert [d.title for d in database.list_documents()] == ["Harbour"]
    assert database.list_documents("session-3") == []
    with pytest.raises(UnknownDocumentError, match=r"in collection 'session-1'"):
        database.get_document(theirs.document.id, collection="session-1")
    with pytest.raises(UnknownDocumentError, match=r"in collection 'session-1'"):
        database.delete_document(theirs.document.id, collection="session-1")
    assert [d.title for d in database.list_documents("session-2")] == ["Theirs"]


def test_the_same_content_in_two_collections_is_in_each(database, make_record):
    record = make_record(HARBOUR, title="Harbour")
    assert database.add_document(record, collection="session-1") is True
    assert database.add_document(record, collection="session-2") is True
    database.delete_document(record.document.id, collection="session-1")
    assert database.list_documents("session-1") == []
    assert_same(database.get_document(record.document.id, collection="session-2"), record)


def test_documents_are_listed_in_the_order_added(database, make_record):
    titles = ["Third", "First", "Second"]
    for title in titles:
        database.add_document(make_record(f"A note called {title}.", title=title))
    assert [d.title for d in database.list_documents()] == titles


def test_delete_removes_the_document_its_passages_and_sentences(
    database, database_url, make_record
):
    keep = make_record("Another document stays.", title="Keep")
    gone = make_record(HARBOUR, title="Harbour")
    database.add_document(keep)
    database.add_document(gone)
    assert database.delete_document(gone.document.id) == gone.document
    assert database.list_documents() == [keep.document]
    assert count(database_url, "passages") == len(keep.passages)
    assert count(database_url, "sentences") == len(keep.sentences)
    with pytest.raises(UnknownDocumentError, match=rf"No document with id '{gone.document.id}'"):
        database.delete_document(gone.document.id)


def test_a_record_whose_pieces_do_not_fit_is_refused_before_writing(
    database, database_url, make_record
):
    record = make_record(HARBOUR, title="Harbour")
    short = replace(record, passage_vectors=record.passage_vectors[:, :32])
    with pytest.raises(DocumentError, match=r"passage vectors have shape \(\d+, 32\), expected"):
        database.add_document(short)
    moved = replace(record, passages=(replace(record.passages[0], start=1), *record.passages[1:]))
    with pytest.raises(DocumentError, match="passage 0 does not match its text"):
        database.add_document(moved)
    forged = replace(record, document=replace(record.document, id="0" * 16))
    with pytest.raises(DocumentError, match="not the content hash of its text"):
        database.add_document(forged)
    assert count(database_url, "documents") == 0


def test_text_postgresql_cannot_store_is_refused_by_name(database, fake_encoder):
    text = "A NUL \x00 inside."
    document = Document(id=content_id(text), title="Binary", text=text)
    empty = np.zeros((0, fake_encoder.dimension), dtype=np.float32)
    with pytest.raises(DocumentError, match=r"'Binary'.*its text holds a NUL character"):
        database.add_document(StoredDocument(document, (), empty, (), empty))


@pytest.mark.parametrize("name", ["", "x" * 201])
def test_a_bad_collection_name_is_refused_naming_the_parameter(database, name):
    with pytest.raises(ValueError, match="collection must be a name of 1 to 200 characters"):
        database.list_documents(name)


def test_neither_repr_nor_where_shows_the_password(database_url, fake_encoder):
    # The test server trusts local logins, so any password is accepted and must not show.
    url = make_conninfo(**{**conninfo_to_dict(database_url), "password": "hunter22-secret"})
    with Database.connect(url, fake_encoder) as database:
        assert "hunter22" not in repr(database) + database.where
        assert repr(database).startswith("Database(host ")


KILLED_WRITER = """
import os, signal, sys
import numpy as np
from qa.loading import load_text
from qa.store.postgres import Database, StoredDocument, documents
from qa.types import Chunk, Span

class Model:
    name, weights_sha256, dimension = "killed-writer-model", "", 8

document = load_text("First sentence here. Second one.", title="Killed")
text = document.text
vectors = np.full((2, 8), 0.125, dtype=np.float32)
record = StoredDocument(
    document, (Span(0, 20), Span(21, 32)), vectors,
    (Chunk(document.id, 0, 0, 32, text[0:32], 0, 1),), vectors[:1],
)

def die(*args):  # the sentences are written, the transaction open
    os.kill(os.getpid(), signal.SIGKILL)

documents._write_passages = die
database = Database.connect(sys.argv[1], Model())
database.add_document(record)
"""


def test_a_writer_killed_mid_transaction_leaves_no_partial_document(database_url):
    root = Path(__file__).resolve().parents[4]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, database_url],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    for table in ("documents", "sentences", "passages"):
        assert count(database_url, table) == 0, table
