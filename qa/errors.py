"""The project's exception types, in one place.

Every error the assistant raises on bad input or bad files derives from `QAError`, so an
application can catch one class; input errors also derive from `ValueError`, because
that is what a caller passing a wrong value expects.
"""

from embeddings.errors import (
    EmbeddingError,
    ModelIntegrityError,
    ModelNotAvailableError,
    VectorStoreError,
)

__all__ = [
    "DatabaseUnavailableError",
    "DatasetError",
    "DocumentError",
    "EmbeddingError",
    "EmptyDocumentError",
    "IndexChangedError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "ModelIntegrityError",
    "ModelNotAvailableError",
    "NoTextLayerError",
    "NothingIndexedError",
    "QAError",
    "QuestionError",
    "RedirectPageError",
    "StoreError",
    "UnknownDocumentError",
    "UnsupportedFormatError",
    "VectorStoreError",
]


class QAError(Exception):
    """Base class for the assistant's own errors."""


class QuestionError(QAError, ValueError):
    """The question (or a query setting such as top_k) is unusable."""


class DocumentError(QAError, ValueError):
    """A document cannot be read or used; the message names the document."""


class DatasetError(DocumentError):
    """A question set is malformed, or a question names no loaded document; the message
    says where."""


class UnsupportedFormatError(DocumentError):
    """The file is of a kind the loader does not read (binary, unknown extension)."""


class EmptyDocumentError(DocumentError):
    """The document has no text left after loading and cleaning."""


class RedirectPageError(EmptyDocumentError):
    """A web page whose only content is a move notice ("Redirecting to ..."): nothing to index.

    Attributes:
        target: where it points (a URL), or "another page" when it does not say.
    """

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target


class NoTextLayerError(EmptyDocumentError):
    """A PDF whose pages hold no text, only images (a scan): it needs OCR before indexing."""


class NothingIndexedError(DocumentError):
    """None of the inputs given could be indexed; the message names each one and why.

    Attributes:
        report: the `IndexReport` of the attempt, one entry per input.
    """

    def __init__(self, message: str, *, report: object) -> None:
        super().__init__(message)
        self.report = report


class UnknownDocumentError(QAError, KeyError):
    """A document id that is not in the collection."""

    def __str__(self) -> str:  # KeyError quotes its argument; a message reads better bare.
        return str(self.args[0]) if self.args else ""


class StoreError(QAError):
    """A saved index cannot be written or read."""


class IndexMismatchError(StoreError):
    """A saved index was built with another model or vector dimension."""


class IndexCorruptError(StoreError):
    """A saved index is damaged: a file is missing, truncated or altered."""


class IndexLockedError(StoreError):
    """Another process holds the index directory for writing."""


class IndexChangedError(StoreError):
    """Another process saved the index after this collection was loaded from it.

    Saving anyway would silently drop that process's changes (a lost update).
    """


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached (down, wrong host or port, refused login).

    The message names the server (host, port, database) and never the password.

    Attributes:
        target: where the connection string points, password-free.
    """

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target
