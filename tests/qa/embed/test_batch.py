"""Encoding a batch for the index: token vectors for sentences only, steps with progress,
and whatever the model returns that the index could not hold refused before it changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from qa.embed import check_vectors, encode, sentence_tokens
from qa.errors import DocumentError
from qa.types import Chunk, Document, Span

SENTENCES = ["Owls hunt at night.", "Bats do too."]


def test_sentences_get_token_vectors_and_passages_do_not(fake_encoder: Any) -> None:
    texts = ["Owls hunt at night. Bats do too.", *SENTENCES]
    vectors, blocks = encode(fake_encoder, texts, [False, True, True])
    assert vectors.shape == (3, fake_encoder.dimension)
    assert vectors.dtype == np.float32
    assert blocks is not None
    assert blocks[0] is None
    assert blocks[1] is not None and blocks[2] is not None


def test_a_model_without_token_vectors_gives_none(fake_encoder: Any, pooled_only: Any) -> None:
    vectors, blocks = encode(pooled_only(fake_encoder), SENTENCES, [True, True])
    assert vectors.shape == (2, fake_encoder.dimension)
    assert blocks is None


def test_progress_counts_every_text_step_by_step(
    fake_encoder: Any, pooled_only: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qa.embed.batch.STEP", 2)
    seen: list[tuple[int, int]] = []
    texts = [f"Text number {i}." for i in range(5)]
    encode(
        pooled_only(fake_encoder),
        texts,
        [False] * 5,
        lambda done, total: seen.append((done, total)),
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_vectors_come_back_in_the_order_of_the_texts(fake_encoder: Any) -> None:
    texts = ["A sentence.", "A passage of two. Sentences here.", "Another sentence."]
    vectors, _ = encode(fake_encoder, texts, [True, False, True])
    np.testing.assert_allclose(vectors, fake_encoder.encode(texts), atol=1e-6)


def test_a_model_returning_too_few_vectors_is_refused(fake_encoder: Any) -> None:
    class Short:
        dimension = fake_encoder.dimension

        def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
            return fake_encoder.encode(texts)[:-1]  # type: ignore[no-any-return]

    with pytest.raises(DocumentError, match=r"vectors of shape \(1, 64\) for 2 texts"):
        encode(Short(), SENTENCES, [False, False])  # type: ignore[arg-type]


def _planned(title: str) -> tuple[Document, list[Span], list[Chunk]]:
    document = Document(id=title.lower(), title=title, text="Owls hunt at night.")
    sentence = Span(0, len(document.text))
    chunk = Chunk(document.id, 0, 0, len(document.text), document.text, 0, 0)
    return document, [sentence], [chunk]


def test_check_vectors_names_the_document_whose_vectors_are_not_finite() -> None:
    planned = [_planned("Good"), _planned("Bad")]
    vectors = np.ones((4, 8), dtype=np.float32)
    vectors[3, 0] = np.nan
    with pytest.raises(DocumentError, match=r"invalid \(NaN or infinite\).*'Bad'"):
        check_vectors(planned, vectors, 8)
    check_vectors(planned, np.ones((4, 8), dtype=np.float32), 8)


def test_check_vectors_refuses_a_wrong_shape() -> None:
    with pytest.raises(DocumentError, match=r"shape \(2, 8\) for 2 texts of dimension 4"):
        check_vectors([_planned("Owls")], np.ones((2, 8), dtype=np.float32), 4)


def test_sentence_tokens_make_one_block_per_sentence(fake_encoder: Any) -> None:
    tokens = sentence_tokens(fake_encoder, SENTENCES, fake_encoder.dimension)
    assert len(tokens.bounds) == len(SENTENCES) + 1
