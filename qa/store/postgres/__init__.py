"""PostgreSQL with pgvector as a shared store for many processes (issue 16).

- urls.py: connection strings, read from QA_DATABASE_URL by the caller; `redact` hides
  their passwords in every message;
- schema.py: the versioned migrations applied at connect, in one transaction;
- model.py: the embedding model recorded in a new database and checked at every connect;
- records.py: `StoredDocument`, one document with its sentences, passages and vectors;
- documents.py: adding, reading and deleting documents, each one transaction;
- search.py: passages nearest a vector (HNSW, iterative scans) and by words (full text);
- database.py: `Database`, one connection through which the rest is used.

Needs psycopg 3: `pip install 'qa-assistant[postgres]'`. The embedded store (qa/store/)
stays the default and does not import this package.
"""

from qa.store.postgres.database import Database
from qa.store.postgres.documents import LIBRARY
from qa.store.postgres.records import StoredDocument
from qa.store.postgres.schema import SCHEMA_VERSION
from qa.store.postgres.urls import ENVIRONMENT_VARIABLE, database_url, describe, redact

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "LIBRARY",
    "SCHEMA_VERSION",
    "Database",
    "StoredDocument",
    "database_url",
    "describe",
    "redact",
]
