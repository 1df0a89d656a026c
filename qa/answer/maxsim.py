"""Word-by-word matching of a question against sentences, at query time (MaxSim).

Each content word piece of the question takes its best match among a sentence's pieces and
the matches are averaged (ColBERT's late interaction: Khattab and Zaharia, SIGIR 2020).
"Telephone" finds "phone" and "head of state" finds "President" even when the pooled
sentence vector is dominated by other words, which is why this match carries the largest
weight in the sentence model (see docs/evaluation.md). The sentences' pieces were packed at
index time (`qa.embed.token_packing`).
"""

from __future__ import annotations

import numpy as np

from embeddings.tokens import TokenVectors
from qa.embed.token_packing import SentenceTokens, content_rows


def question_matrix(question: str, tokens: TokenVectors) -> np.ndarray:
    """The question's content token vectors, float32 (pieces, dimension)."""
    return tokens.vectors[content_rows(question, tokens)]


def maxsim(question: np.ndarray, tokens: SentenceTokens, first: int, last: int) -> np.ndarray:
    """Late-interaction score of sentences first..last (inclusive) against the question.

    Returns one float per sentence: the mean over question pieces of the best cosine with
    any piece of that sentence; 0 for a sentence without pieces.
    """
    low, high = int(tokens.bounds[first]), int(tokens.bounds[last + 1])
    scores = np.zeros(last - first + 1, dtype=np.float32)
    if high == low or question.shape[0] == 0:
        return scores
    block = tokens.codes[low:high].astype(np.float32) * tokens.scales[low:high, None]
    similarity = question @ block.T  # (question pieces, sentence pieces)
    starts = tokens.bounds[first : last + 1] - low
    sizes = np.diff(tokens.bounds[first : last + 2])
    for position, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        if size:
            scores[position] = similarity[:, start : start + size].max(axis=1).mean()
    return scores
