"""Shared fixtures: a tiny deterministic embedder so most tests run in milliseconds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant
from qa.loading import bundled_article_path
from qa.text import terms

ROOT = Path(__file__).resolve().parent.parent


class FakeEncoder:
    """Hashes stemmed words into a small vector: texts sharing words get similar vectors.

    Deterministic and instant; it behaves like a (weak) embedding model, which is all the
    pipeline's logic needs in unit tests.
    """

    name = "fake-hashing-encoder"
    weights_sha256 = "0" * 64

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.calls = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for term in terms(text) or ["<empty>"]:
            digest = hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        return vector / np.linalg.norm(vector)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def article_text() -> str:
    return bundled_article_path().read_text(encoding="utf-8")


@pytest.fixture
def fake_assistant(fake_encoder: FakeEncoder) -> Assistant:
    """The bundled article indexed with the fake encoder."""
    return Assistant.default(embedder=fake_encoder)


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The bundled MiniLM, loaded once for the whole test session (slow tests only)."""
    from embeddings import Embedder

    embedder = Embedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def real_assistant(real_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.default(embedder=real_embedder)
