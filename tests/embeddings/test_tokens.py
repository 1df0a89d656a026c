"""Token vectors from a sentence-transformers pass: padding cut, specials dropped, pooled
vectors made unit length, without loading a real model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from embeddings.tokens import from_sentence_transformer, token_vectors

DIMENSION = 4


class StubModel:
    """Pads token vectors to the batch's longest text and leaves pooled vectors
    unnormalised, as sentence-transformers does with output_value=None."""

    max_seq_length = 8

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def _words(self, text: str) -> list[tuple[int, int]]:
        spans, start = [], 0
        for word in text.split()[: self.max_seq_length - 2]:
            start = text.index(word, start)
            spans.append((start, start + len(word)))
            start += len(word)
        return [(0, 0), *spans, (0, 0)]  # [CLS] ... [SEP]

    def tokenizer(self, texts: list[str], **_: Any) -> dict[str, list[Any]]:
        offsets = [self._words(t) for t in texts]
        special = [[1] + [0] * (len(o) - 2) + [1] for o in offsets]
        return {"offset_mapping": offsets, "special_tokens_mask": special}

    def encode(self, texts: list[str], **_: Any) -> list[dict[str, torch.Tensor]]:
        self.batches.append(list(texts))
        width = max(len(self._words(t)) for t in texts)
        out = []
        for number, text in enumerate(texts):
            n = len(self._words(text))
            hidden = torch.zeros(width, DIMENSION)
            hidden[:n] = torch.arange(1, n * DIMENSION + 1, dtype=torch.float32).view(n, -1)
            mask = torch.zeros(width)
            mask[:n] = 1
            pooled = torch.full((DIMENSION,), 3.0 + number)
            out.append(
                {"token_embeddings": hidden, "attention_mask": mask, "sentence_embedding": pooled}
            )
        return out


def test_padding_and_special_tokens_are_cut_and_pooled_vectors_normalised() -> None:
    texts = ["one", "one two three four five six seven eight nine", "  lead space"]
    model = StubModel()

    pooled, tokens = from_sentence_transformer(model, texts, batch_size=2, dimension=DIMENSION)

    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0)
    assert [len(t) for t in tokens] == [1, 6, 2]  # the long text cut to the window
    assert [texts[2][s:e] for s, e in tokens[2].spans.tolist()] == ["lead", "space"]
    assert np.allclose(np.linalg.norm(tokens[1].vectors, axis=1), 1.0)
    assert model.batches == [[texts[1], texts[2]], [texts[0]]]  # longest first, by batch


def test_a_tokenizer_that_disagrees_with_the_model_is_refused() -> None:
    hidden = np.ones((3, DIMENSION), np.float32)

    with pytest.raises(ValueError, match="disagree"):
        token_vectors(hidden, [(0, 0), (0, 3)], [1, 0])
