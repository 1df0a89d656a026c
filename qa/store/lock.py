"""One writer per index directory: an advisory lock, and a session that holds it.

Two processes that each load, change and save the same index would otherwise lose one
another's work; the lock makes the second one wait briefly and then refuse.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import IndexLockedError, StoreError

if TYPE_CHECKING:
    from qa.index import Collection

LOCK_TIMEOUT = 0.5  # seconds a save waits for another one to finish before refusing


@contextlib.contextmanager
def write_lock(directory: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the directory's writer lock, or raise IndexLockedError within `timeout` s.

    flock, not a lock file that exists or not: the kernel drops it when the holder dies,
    even by kill -9, so a crashed writer never leaves a stale lock behind.
    """
    import fcntl

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = (directory / ".lock").open("a+")
    except OSError as err:
        raise StoreError(
            f"Cannot open the index directory {directory} for writing: {err.strerror or err}."
        ) from err
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise IndexLockedError(
                        f"Another process is writing the index in {directory}; try again "
                        "when it has finished."
                    ) from err
                time.sleep(0.05)
        yield
    finally:
        handle.close()


class WriterSession:
    """This process's claim on an index directory, held from before a load until after
    the last save.

    Why: `save` takes the writer lock only while it writes, so of two processes that
    each load, change and save, the second learns of the first only when it saves, after
    its work (IndexLockedError or IndexChangedError). A session taken first is refused
    at once, within LOCK_TIMEOUT, before anything is loaded or embedded.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._claimed: list[Collection] = []

    def claim(self, collection: Collection) -> Collection:
        """Let `collection` save to this directory under the session's lock."""
        collection.writer_session = str(self.root.resolve())
        self._claimed.append(collection)
        return collection

    def _release(self) -> None:
        for collection in self._claimed:
            collection.writer_session = None


@contextlib.contextmanager
def writing(directory: str | os.PathLike[str]) -> Iterator[WriterSession]:
    """Hold `directory` for writing for the length of the block.

    Usage:
        with store.writing(out) as session:          # refused here if another writer
            assistant = Assistant.load(out)            # (or a new Assistant)
            session.claim(assistant.collection)
            assistant.add_documents(paths)
            assistant.save(out)

    Raises:
        IndexLockedError: another process holds the directory (a session or a save).
        StoreError: the directory cannot be created or opened.
    """
    root = Path(directory)
    with write_lock(root):
        session = WriterSession(root)
        try:
            yield session
        finally:
            session._release()
