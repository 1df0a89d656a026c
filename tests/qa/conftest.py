"""Fixtures shared by the stage tests under tests/qa."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from embeddings.tokens import TokenVectors

WORD_TOKEN_DIMENSION = 16


def random_word_tokens(text: str, seed: int = 0) -> TokenVectors:
    """One random unit vector per whitespace word, with its character span."""
    spans, start = [], 0
    for word in text.split():
        start = text.index(word, start)
        spans.append((start, start + len(word)))
        start += len(word)
    vectors = np.random.default_rng(seed).standard_normal((len(spans), WORD_TOKEN_DIMENSION))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return TokenVectors(vectors.astype(np.float32), np.array(spans, dtype=np.int32))


@pytest.fixture
def word_tokens() -> Callable[..., TokenVectors]:
    """`random_word_tokens`, for tests of token packing and MaxSim (16 dimensions)."""
    return random_word_tokens
