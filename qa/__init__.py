"""qa-assistant: offline question answering over documents, with cited evidence.

The public API is `Assistant` (and `Answer`, `Source`, `Document`, `IndexReport`);
importing this package loads no model and does not import the UI.
"""

from qa.assistant import Assistant
from qa.converse import Chat, Turn
from qa.errors import (
    DocumentError,
    EmptyDocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    ModelIntegrityError,
    ModelNotAvailableError,
    NoTextLayerError,
    NothingIndexedError,
    QAError,
    QuestionError,
    RedirectPageError,
    StoreError,
    UnknownDocumentError,
    UnsupportedFormatError,
)
from qa.index import IndexReport, ReportEntry
from qa.limits import MAX_QUESTION_CHARS
from qa.loading import supported_suffixes
from qa.settings import Settings
from qa.store.cache import open_bundled
from qa.types import Answer, Document, Source

__all__ = [
    "MAX_QUESTION_CHARS",
    "Answer",
    "Assistant",
    "Chat",
    "Document",
    "DocumentError",
    "EmptyDocumentError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexReport",
    "ModelIntegrityError",
    "ModelNotAvailableError",
    "NoTextLayerError",
    "NothingIndexedError",
    "QAError",
    "QuestionError",
    "RedirectPageError",
    "ReportEntry",
    "Settings",
    "Source",
    "StoreError",
    "Turn",
    "UnknownDocumentError",
    "UnsupportedFormatError",
    "open_bundled",
    "supported_suffixes",
]
