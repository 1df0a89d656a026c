"""The sentences' token vectors as the index keeps them: content pieces, int8, one block each.

Word-by-word matching (MaxSim, `qa.answer.maxsim`) needs every content word piece of every
sentence. They are packed here, at index time, as soon as a sentence is encoded: stop words
and bare punctuation are left out, and each piece is stored as int8 codes with one float32
scale: a quarter of float32's memory, for a change in MaxSim scores below 0.01 (held to
that by tests/qa/answer/test_maxsim.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.tokens import TokenVectors
from qa.text import STOPWORDS


@dataclass(frozen=True)
class SentenceTokens:
    """The content token vectors of a document's sentences, one block per sentence.

    Rows `bounds[i]:bounds[i + 1]` belong to sentence i; the vector of row r is
    `codes[r] * scales[r]`.
    """

    codes: np.ndarray  # (tokens, dimension) int8
    scales: np.ndarray  # (tokens,) float32
    bounds: np.ndarray  # (sentences + 1,) int64, non-decreasing, from 0 to tokens

    def __post_init__(self) -> None:
        tokens = self.codes.shape[0]
        if (
            self.codes.ndim != 2
            or self.codes.dtype != np.int8
            or self.scales.shape != (tokens,)
            or self.bounds.ndim != 1
            or self.bounds.size < 1
            or self.bounds[0] != 0
            or self.bounds[-1] != tokens
            or bool(np.any(np.diff(self.bounds) < 0))
        ):
            raise ValueError(
                f"Inconsistent sentence tokens: codes {self.codes.shape} {self.codes.dtype}, "
                f"scales {self.scales.shape}, bounds {self.bounds[:3]}...{self.bounds[-1:]}."
            )

    @property
    def sentence_count(self) -> int:
        return int(self.bounds.size - 1)


def content_rows(text: str, tokens: TokenVectors) -> np.ndarray:
    """Rows of the pieces that carry meaning: not stop words, not bare punctuation.

    Everything when nothing is left ("Who is he?"), so a match is always defined.
    """
    keep = []
    for row, (start, end) in enumerate(tokens.spans.tolist()):
        piece = text[start:end].lower()
        if any(ch.isalnum() for ch in piece) and piece not in STOPWORDS:
            keep.append(row)
    if not keep:
        return np.arange(len(tokens))
    return np.asarray(keep, dtype=np.int64)


Block = tuple[np.ndarray, np.ndarray]  # one sentence's int8 codes and their scales


def quantise(text: str, tokens: TokenVectors, dimension: int) -> Block:
    """One sentence's content pieces as int8 codes with one scale per piece.

    Done as soon as a sentence is encoded, so an upload never holds float32 token
    vectors for more than one batch.

    Raises:
        ValueError: the token vectors are not of the model's dimension.
    """
    if tokens.vectors.shape[1] != dimension:
        raise ValueError(
            f"token vectors of dimension {tokens.vectors.shape[1]}, expected {dimension}"
        )
    matrix = tokens.vectors[content_rows(text, tokens)]
    peak = np.abs(matrix).max(axis=1) if matrix.size else np.zeros(0, np.float32)
    scales = (np.maximum(peak, 1e-12) / 127.0).astype(np.float32)
    codes = np.clip(np.rint(matrix / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def assemble(blocks: Sequence[Block], dimension: int) -> SentenceTokens:
    """A document's SentenceTokens from its sentences' blocks, in order."""
    bounds = np.zeros(len(blocks) + 1, dtype=np.int64)
    np.cumsum([codes.shape[0] for codes, _ in blocks], out=bounds[1:])
    if not blocks:
        return SentenceTokens(np.zeros((0, dimension), np.int8), np.zeros(0, np.float32), bounds)
    codes = np.concatenate([c for c, _ in blocks]).reshape(-1, dimension)
    return SentenceTokens(codes, np.concatenate([s for _, s in blocks]), bounds)


def pack(texts: Sequence[str], tokens: Sequence[TokenVectors], dimension: int) -> SentenceTokens:
    """Quantise the content pieces of each sentence into one SentenceTokens block."""
    blocks = [quantise(text, t, dimension) for text, t in zip(texts, tokens, strict=True)]
    return assemble(blocks, dimension)
