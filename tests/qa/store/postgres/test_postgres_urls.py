"""Connection strings: passwords never shown, the server named without one."""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")

from qa.store.postgres import database_url, describe, redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://qa:hunter22@db.example:5433/qa", "postgresql://qa:***@db.example:5433/qa"),
        ("postgres://qa:p%40ss%2Fword@db/qa", "postgres://qa:***@db/qa"),
        (
            "postgresql://qa@db/qa?password=hunter22&sslmode=require",
            "postgresql://qa@db/qa?password=***&sslmode=require",
        ),
        ("host=db password=hunter22 dbname=qa", "host=db password=*** dbname=qa"),
        ("host=db password='two words' dbname=qa", "host=db password=*** dbname=qa"),
        ("host=db PASSWORD = hunter22", "host=db PASSWORD = ***"),
    ],
)
def test_redact_hides_the_password_wherever_the_string_holds_one(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_redact_leaves_a_string_without_a_password_as_it_is() -> None:
    url = "postgresql://qa@db.example:5432/qa?sslmode=require"
    assert redact(url) == url


def test_redact_hides_the_password_a_message_quotes_from_its_url() -> None:
    url = "postgresql://qa:hunter22@db/qa"
    message = 'could not connect: user "qa" with password hunter22 rejected'
    assert redact(message, url) == 'could not connect: user "qa" with password *** rejected'


def test_redact_hides_a_url_inside_a_message() -> None:
    message = "failed for postgresql://qa:hunter22@db:5432/qa at start"
    assert redact(message) == "failed for postgresql://qa:***@db:5432/qa at start"


def test_describe_names_host_port_database_and_user_but_no_password() -> None:
    text = describe("postgresql://qa:hunter22@db.example:5433/library")
    assert text == "host db.example port 5433 database library user qa"


def test_describe_assumes_the_default_port_and_socket() -> None:
    assert describe("dbname=qa") == "host the default local socket port 5432 database qa"


def test_describe_of_an_unreadable_string_does_not_quote_it() -> None:
    assert describe("host=db password") == "an unreadable connection string"


def test_database_url_is_read_from_the_environment_given() -> None:
    assert database_url({"QA_DATABASE_URL": " postgresql://db/qa \n"}) == "postgresql://db/qa"
    assert database_url({"QA_DATABASE_URL": "  "}) is None
    assert database_url({}) is None
