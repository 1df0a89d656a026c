"""Exceptions raised by the embeddings package.

They carry messages a user can act on; `qa.errors` re-exports them so callers of the
assistant need to know only one module.
"""


class EmbeddingError(Exception):
    """Base class for every error raised by `embeddings`."""


class ModelNotAvailableError(EmbeddingError):
    """The requested model cannot be loaded from local files (no network is used)."""


class ModelIntegrityError(EmbeddingError):
    """The model's weight file does not match the published checksum."""


class VectorStoreError(EmbeddingError):
    """A vector store was used wrongly or its serialized form is unusable."""
