"""Connection strings: where one points, and the same string with its password hidden.

A connection string may carry a password in three places: the URI's user info
(`postgresql://user:secret@host/db`), a `password=` query parameter, or a `password=`
keyword (`host=h password=secret`). Every message, log line and repr this package makes
shows a string only through `redact`, and names a server only through `describe`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

ENVIRONMENT_VARIABLE = "QA_DATABASE_URL"
HIDDEN = "***"
# libpq echoes no password in its messages today; a literal one this short could match
# ordinary words in a message, so below it only the three places above are hidden.
_SHORTEST_LITERAL = 4

# The user info runs to the last "@" before the host's end: "user:p@ss@host" is user "user".
_USER_INFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<info>[^/?#\s]*)@", re.IGNORECASE)
_PASSWORD_VALUE = re.compile(
    r"(?P<key>\bpassword\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|[^\s&]*)", re.IGNORECASE
)


def database_url(environ: Mapping[str, str]) -> str | None:
    """The connection string in `QA_DATABASE_URL`, or None when it is unset or blank.

    The caller passes its environment (`os.environ`): nothing is read at import.
    """
    value = environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return value or None


def redact(text: str, url: str | None = None) -> str:
    """`text` with every password hidden: those of the connection string(s) it holds, and
    when `url` is given, that string's password wherever it appears (an error message
    quoting it).

    Args:
        text: a connection string, or a message that may contain one.
        url: the connection string the message is about.
    """
    hidden = _USER_INFO.sub(_hide_user_info, text)
    hidden = _PASSWORD_VALUE.sub(lambda m: m.group("key") + HIDDEN, hidden)
    for secret in _passwords(url if url is not None else text):
        hidden = hidden.replace(secret, HIDDEN)
    return hidden


def describe(url: str) -> str:
    """Where `url` points, password-free: "host db.example.com port 5432 database qa"."""
    try:
        parts = conninfo_to_dict(url)
    except ProgrammingError:
        return "an unreadable connection string"
    host = str(parts.get("host") or parts.get("hostaddr") or "the default local socket")
    port = str(parts.get("port") or "5432")
    words = [f"host {host}", f"port {port}"]
    if parts.get("dbname"):
        words.append(f"database {parts['dbname']}")
    if parts.get("user"):
        words.append(f"user {parts['user']}")
    return redact(" ".join(words), url)


def _hide_user_info(match: re.Match[str]) -> str:
    user, colon, _ = match.group("info").partition(":")
    return match.group("scheme") + user + (":" + HIDDEN if colon else "") + "@"


def _passwords(url: str) -> list[str]:
    """The password of `url` as written and as decoded, when long enough to search for."""
    try:
        password = str(conninfo_to_dict(url).get("password") or "")
    except ProgrammingError:
        return []
    found = {password}
    match = _USER_INFO.search(url)
    if match and ":" in match.group("info"):
        found.add(match.group("info").partition(":")[2])  # percent-encoded as written
    return sorted((s for s in found if len(s) >= _SHORTEST_LITERAL), key=len, reverse=True)
