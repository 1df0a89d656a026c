"""Per-token vectors from the same forward pass that makes a text's pooled vector.

A pooled vector averages a sentence into one point, so "telephone" in a question and
"phone" in a sentence only count through that average. The model's contextual token
vectors keep them apart and comparable one by one (late interaction, as in ColBERT).
They come out of the forward pass that is run anyway; keeping them costs memory, not
model time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class TokenVectors:
    """The word pieces of one text: unit vectors and where each piece is in the text.

    Special tokens ([CLS], [SEP], padding) are left out. `spans[i]` is the (start, end)
    character range of piece i, so callers can tell which words they belong to.
    """

    vectors: np.ndarray  # (n, dimension) float32, unit rows
    spans: np.ndarray  # (n, 2) int32 character offsets into the text

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.spans.shape != (self.vectors.shape[0], 2):
            raise ValueError(
                f"TokenVectors needs (n, d) vectors and (n, 2) spans; got "
                f"{self.vectors.shape} and {self.spans.shape}."
            )

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


@runtime_checkable
class TokenEncoder(Protocol):
    """An encoder that can also return token vectors (the bundled model can; fakes may)."""

    def encode_with_tokens(
        self, texts: Sequence[str], *, show_progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]: ...

    def query_tokens(self, text: str) -> TokenVectors: ...


def token_vectors(
    hidden: np.ndarray, offsets: Sequence[tuple[int, int]], special: Sequence[int]
) -> TokenVectors:
    """Unit token vectors of one text from its hidden states (padding already cut off).

    Args:
        hidden: (n, dimension) the model's last hidden states for this text's n tokens.
        offsets: the tokenizer's (start, end) character offsets, one per token.
        special: 1 for special tokens ([CLS], [SEP]), else 0, one per token.
    """
    if not len(hidden) == len(offsets) == len(special):
        raise ValueError(
            f"{len(hidden)} hidden states for {len(offsets)} offsets and {len(special)} "
            "special-token flags: the tokenizer and the model disagree."
        )
    keep = [i for i in range(len(hidden)) if not special[i] and offsets[i][1] > offsets[i][0]]
    vectors = np.asarray(hidden[keep], dtype=np.float32).reshape(len(keep), hidden.shape[1])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.maximum(norms, 1e-12)
    spans = np.asarray([offsets[i] for i in keep], dtype=np.int32).reshape(len(keep), 2)
    return TokenVectors(np.ascontiguousarray(vectors), spans)


def from_sentence_transformer(
    model: Any, texts: list[str], batch_size: int, dimension: int
) -> tuple[np.ndarray, list[TokenVectors]]:
    """Pooled unit vectors and token vectors from one sentence-transformers pass.

    `encode(output_value=None)` returns every output of the pass per text, but pads the
    token vectors to the batch's longest text (the attention mask cuts them back) and
    does not normalise the pooled vector (models without a Normalize layer need it
    here). One batch at a time, longest texts first, so the padded tensors of a large
    upload are freed as it goes and each batch pads little. Texts longer than the
    model's window (256 word pieces for MiniLM) are matched on their first 256, as their
    pooled vectors are.
    """
    pooled = np.zeros((len(texts), dimension), dtype=np.float32)
    tokens: list[TokenVectors | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        batch = [texts[i] for i in rows]
        outputs = model.encode(
            batch, batch_size=batch_size, output_value=None, convert_to_numpy=False
        )
        encoded = model.tokenizer(
            batch,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            truncation=True,
            max_length=model.max_seq_length,
        )
        for position, (row, output) in enumerate(zip(rows, outputs, strict=True)):
            pooled[row] = output["sentence_embedding"].float().numpy()
            length = int(output["attention_mask"].sum())
            hidden = output["token_embeddings"][:length].float().numpy()
            tokens[row] = token_vectors(
                hidden,
                encoded["offset_mapping"][position],
                encoded["special_tokens_mask"][position],
            )
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled, [t for t in tokens if t is not None]
