"""Saving and loading a collection crash-safely, as a directory of plain files.

- generations.py: the saved index as generations behind an atomic CURRENT pointer; save,
  load, the checksummed manifest;
- contents.py: what is in a generation (the files, their formats, the manifest's body);
- lock.py: one writer at a time (a file lock and the writer's session);
- cache.py: indexes of given documents cached between starts (the app, `qa ask --docs`).

The names callers use are here: `from qa import store; store.save(...)`.
"""

from qa.store.contents import (
    DOCUMENTS,
    FORMAT_VERSION,
    MANIFEST,
    PASSAGES,
    SENTENCES,
    TOKEN_SCALES,
    TOKENS,
)
from qa.store.generations import (
    CURRENT,
    check_model,
    current_generation,
    load,
    read_manifest,
    save,
    saved_settings,
    seal,
)
from qa.store.lock import LOCK_TIMEOUT, WriterSession, write_lock, writing

__all__ = [
    "CURRENT",
    "DOCUMENTS",
    "FORMAT_VERSION",
    "LOCK_TIMEOUT",
    "MANIFEST",
    "PASSAGES",
    "SENTENCES",
    "TOKENS",
    "TOKEN_SCALES",
    "WriterSession",
    "check_model",
    "current_generation",
    "load",
    "read_manifest",
    "save",
    "saved_settings",
    "seal",
    "write_lock",
    "writing",
]
