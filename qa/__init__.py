"""qa-assistant: offline question answering over documents, with cited evidence.

The public API is `Assistant` (and `Answer`, `Source`, `Document`); importing this package
loads no model and does not import the UI.
"""

from qa.api import MAX_QUESTION_CHARS, Assistant, Settings
from qa.conversation import Chat, Turn
from qa.errors import (
    DocumentError,
    EmptyDocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    ModelIntegrityError,
    ModelNotAvailableError,
    QAError,
    QuestionError,
    RedirectPageError,
    StoreError,
    UnknownDocumentError,
    UnsupportedFormatError,
)
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
    "ModelIntegrityError",
    "ModelNotAvailableError",
    "QAError",
    "QuestionError",
    "RedirectPageError",
    "Settings",
    "Source",
    "StoreError",
    "Turn",
    "UnknownDocumentError",
    "UnsupportedFormatError",
]
