"""Text to vectors and vector search. Knows nothing of questions or answers."""

from embeddings.embedder import (
    BUNDLED_MODEL_NAME,
    BUNDLED_MODEL_SHA256,
    Embedder,
    TextEncoder,
    default_embedder,
    resolve_model,
)
from embeddings.errors import (
    EmbeddingError,
    ModelIntegrityError,
    ModelNotAvailableError,
    VectorStoreError,
)
from embeddings.store import Hits, VectorStore

__all__ = [
    "BUNDLED_MODEL_NAME",
    "BUNDLED_MODEL_SHA256",
    "Embedder",
    "EmbeddingError",
    "Hits",
    "ModelIntegrityError",
    "ModelNotAvailableError",
    "TextEncoder",
    "VectorStore",
    "VectorStoreError",
    "default_embedder",
    "resolve_model",
]
