"""MaxSim at query time: each question piece's best match in a sentence, averaged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from embeddings.tokens import TokenVectors
from qa.answer.maxsim import maxsim, question_matrix
from qa.embed.token_packing import pack

DIMENSION = 16


def test_maxsim_is_the_mean_best_match_of_each_question_piece(
    word_tokens: Callable[..., TokenVectors],
) -> None:
    texts = ["alpha beta gamma", "delta", "epsilon zeta"]
    tokens = [word_tokens(t, seed) for seed, t in enumerate(texts)]
    packed = pack(texts, tokens, DIMENSION)
    question = word_tokens("one two", seed=9).vectors

    scores = maxsim(question, packed, 0, 2)

    for position, t in enumerate(tokens):
        exact = (question @ t.vectors.T).max(axis=1).mean()
        assert scores[position] == pytest.approx(exact, abs=0.01)  # int8 storage


def test_a_sentence_matches_itself_best(word_tokens: Callable[..., TokenVectors]) -> None:
    texts = ["alpha beta", "gamma delta", "epsilon zeta"]
    tokens = [word_tokens(t, seed) for seed, t in enumerate(texts)]
    packed = pack(texts, tokens, DIMENSION)

    scores = maxsim(tokens[1].vectors, packed, 0, 2)

    assert int(np.argmax(scores)) == 1
    assert scores[1] == pytest.approx(1.0, abs=0.01)


def test_a_sentence_without_pieces_scores_zero(word_tokens: Callable[..., TokenVectors]) -> None:
    texts = ["alpha beta", "the of", "gamma"]  # the middle one is all stop words ...
    tokens = [
        word_tokens(texts[0]),
        TokenVectors(np.zeros((0, DIMENSION), np.float32), np.zeros((0, 2), np.int32)),
        word_tokens(texts[2]),
    ]
    packed = pack(texts, tokens, DIMENSION)  # ... and has no pieces at all

    scores = maxsim(word_tokens("question words").vectors, packed, 0, 2)

    assert packed.bounds.tolist() == [0, 2, 2, 3]
    assert scores[1] == 0.0


def test_question_matrix_keeps_only_content_pieces(
    word_tokens: Callable[..., TokenVectors],
) -> None:
    text = "What did Putin say"

    matrix = question_matrix(text, word_tokens(text))

    assert matrix.shape == (2, DIMENSION)
