"""Connecting: migrations applied once in one transaction; other schemas, models and
dimensions refused by name; an unreachable server named without its password."""

from __future__ import annotations

import socket
import threading
import traceback

import pytest

psycopg = pytest.importorskip(
    "psycopg", reason="psycopg is not installed: pip install -e '.[test]'"
)

from qa.errors import DatabaseUnavailableError, IndexMismatchError, StoreError  # noqa: E402
from qa.store.postgres import SCHEMA_VERSION, Database  # noqa: E402

pytestmark = pytest.mark.postgres


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_new_database_gets_the_schema_and_records_the_model(database_url, fake_encoder):
    with Database.connect(database_url, fake_encoder) as database:
        assert database.schema_version == SCHEMA_VERSION == 2
    assert tables(database_url) == {
        "schema_version",
        "qa_metadata",
        "collections",
        "documents",
        "sentences",
        "passages",
    }
    with psycopg.connect(database_url) as connection:
        metadata = connection.execute(
            "SELECT model_name, model_weights_sha256, dimension FROM qa_metadata"
        ).fetchall()
        vector_type = connection.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'passages'::regclass AND attname = 'embedding'"
        ).fetchone()
        blocks_default = connection.execute(
            "SELECT column_default FROM information_schema.columns "
            "WHERE table_name = 'documents' AND column_name = 'blocks'"
        ).fetchone()
    assert metadata == [("fake-hashing-encoder", "0" * 64, 64)]
    assert vector_type == ("vector(64)",)
    assert blocks_default == ("'{}'::jsonb",)


def test_connecting_again_applies_nothing_again(database_url, fake_encoder):
    for _ in range(3):
        Database.connect(database_url, fake_encoder).close()
    with psycopg.connect(database_url) as connection:
        versions = connection.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(1,), (2,)]


def test_processes_connecting_to_a_new_database_at_once_migrate_it_once(database_url, fake_encoder):
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def connect() -> None:
        start.wait()
        try:
            Database.connect(database_url, fake_encoder).close()
        except BaseException as err:
            failures.append(err)

    threads = [threading.Thread(target=connect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with psycopg.connect(database_url) as connection:
        assert connection.execute("SELECT count(*) FROM schema_version").fetchone() == (2,)
        assert connection.execute("SELECT count(*) FROM qa_metadata").fetchone() == (1,)


def test_a_failed_migration_leaves_the_database_as_it_was(database_url, fake_encoder):
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE documents (unrelated integer)")
    with pytest.raises(StoreError, match=r"refused: .*\"documents\" already exists"):
        Database.connect(database_url, fake_encoder)
    assert tables(database_url) == {"documents"}


def test_a_database_of_a_newer_schema_is_refused_by_version(database_url, fake_encoder):
    Database.connect(database_url, fake_encoder).close()
    with psycopg.connect(database_url) as connection:
        connection.execute("INSERT INTO schema_version (version, summary) VALUES (3, 'later')")
    with pytest.raises(
        StoreError, match=r"has schema version 3; this program knows versions up to 2"
    ):
        Database.connect(database_url, fake_encoder)


def test_another_model_is_refused_naming_both(database_url, fake_encoder, make_fake_encoder):
    Database.connect(database_url, fake_encoder).close()
    other = make_fake_encoder(64)
    other.name = "another-model"
    with pytest.raises(
        IndexMismatchError,
        match=r"vectors of model 'fake-hashing-encoder' \(dimension 64\), but the current "
        r"model is 'another-model' \(dimension 64\)",
    ):
        Database.connect(database_url, other)


def test_another_dimension_is_refused_naming_both(database_url, fake_encoder, make_fake_encoder):
    Database.connect(database_url, fake_encoder).close()
    with pytest.raises(IndexMismatchError, match=r"\(dimension 64\).*\(dimension 32\)"):
        Database.connect(database_url, make_fake_encoder(32))


def test_other_weights_of_the_same_model_are_refused(database_url, fake_encoder, make_fake_encoder):
    Database.connect(database_url, fake_encoder).close()
    retrained = make_fake_encoder(64)
    retrained.weights_sha256 = "1" * 64
    with pytest.raises(IndexMismatchError, match=r"whose weights have SHA-256 0{64}.* has 1{64}"):
        Database.connect(database_url, retrained)


def test_a_dimension_pgvector_cannot_index_is_refused(database_url, make_fake_encoder):
    with pytest.raises(StoreError, match=r"dimension 4096 cannot be stored: .* 1 to 2000"):
        Database.connect(database_url, make_fake_encoder(4096))
    assert tables(database_url) == set()


def shown(error: BaseException) -> str:
    """All a traceback of `error` prints of it: the chain is cut (`from None`), so libpq's
    own exception, whose arguments may hold the connection string, is never printed."""
    assert error.__cause__ is None and error.__suppress_context__
    return "".join(traceback.format_exception_only(error)) + repr(error)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_named_by_host_and_port_without_the_password(fake_encoder):
    port = free_port()
    url = f"postgresql://qa:hunter22-secret@127.0.0.1:{port}/library"
    with pytest.raises(
        DatabaseUnavailableError,
        match=rf"Cannot connect to the database at host 127.0.0.1 port {port} database "
        r"library user qa: .*Connection refused.* Check that the server is running",
    ) as caught:
        Database.connect(url, fake_encoder, connect_timeout=2)
    assert "hunter22" not in shown(caught.value)
    assert caught.value.target == f"host 127.0.0.1 port {port} database library user qa"


def test_a_malformed_connection_string_is_refused_without_quoting_its_password(fake_encoder):
    with pytest.raises(StoreError, match="connection string is not valid") as caught:
        Database.connect("host=db password=hunter22-secret port", fake_encoder)
    assert "hunter22" not in shown(caught.value)
