"""Encoding a batch of passages and sentences for the index: vectors, checked, and the
sentences' token vectors, quantised.

The collection decides what goes in (`Collection.add` plans the texts: each passage as the
model reads it, then each sentence); this module runs the model over them and refuses
anything it returned that the index could not hold, before the collection changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from embeddings import TextEncoder
from embeddings.tokens import TokenEncoder
from qa.embed.token_packing import Block, SentenceTokens, pack, quantise
from qa.errors import DocumentError
from qa.types import Chunk, Document, Span

ProgressCallback = Callable[[int, int], None]  # (done, total) texts encoded
Planned = tuple[Document, list[Span], list[Chunk]]  # a document, its sentences and passages

# Large steps: the model sorts each call's texts by length, so bigger calls pad less
# (XQuAD with int8: 9.1 s in steps of 512, 11.8 s in steps of 64); quantising after each
# step keeps float32 token vectors for one step at a time.
STEP = 512


def encode(
    embedder: TextEncoder,
    texts: list[str],
    is_sentence: list[bool],
    progress: ProgressCallback | None = None,
    *,
    tokens: bool = True,
) -> tuple[np.ndarray, list[Block | None] | None]:
    """Vectors of `texts` and, when the model gives them, the sentences' token vectors.

    Args:
        embedder: the model; token vectors come only from a `TokenEncoder`.
        texts: what to encode, passages and sentences in any order.
        is_sentence: one flag per text; only sentences get token vectors, so passages are
            encoded without them.
        progress: called with (done, total) after each step.
        tokens: False encodes the sentences without token vectors even when the model
            gives them (pooled vectors only: cheaper, and nothing to quantise).

    Returns:
        (len(texts), dimension) float32 vectors in the order of `texts`, and one quantised
        token block per text (None for a passage), or None when the model gives no token
        vectors or `tokens` is False.

    Raises:
        DocumentError: the model returned vectors of the wrong shape, or token vectors that
            do not fit the texts.
    """
    dimension = embedder.dimension
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    with_tokens = embedder if tokens and isinstance(embedder, TokenEncoder) else None
    blocks: list[Block | None] | None = None
    if with_tokens is not None:
        blocks = [None] * len(texts)
        plain = [i for i, flag in enumerate(is_sentence) if not flag]
        tokened = [i for i, flag in enumerate(is_sentence) if flag]
    else:
        plain, tokened = list(range(len(texts))), []
    done = 0
    for rows, tokened_rows in ((plain, False), (tokened, True)):
        for start in range(0, len(rows), STEP):
            part = rows[start : start + STEP]
            batch = [texts[i] for i in part]
            if tokened_rows and with_tokens is not None and blocks is not None:
                got = _encode_sentences(with_tokens, batch, part, blocks, dimension)
            else:
                got = embedder.encode(batch)
            if got.shape != (len(part), dimension):
                raise DocumentError(
                    f"The model returned vectors of shape {got.shape} for {len(part)} "
                    f"texts of dimension {dimension}; nothing was added."
                )
            vectors[part] = got
            done += len(part)
            if progress is not None:
                progress(done, len(texts))
    return vectors, blocks


def _encode_sentences(
    encoder: TokenEncoder,
    batch: list[str],
    rows: list[int],
    blocks: list[Block | None],
    dimension: int,
) -> np.ndarray:
    """Sentences with their token vectors, quantised into `blocks` at `rows`."""
    vectors, tokens = encoder.encode_with_tokens(batch)
    if len(tokens) != len(batch):
        raise DocumentError(
            f"The model returned token vectors for {len(tokens)} of {len(batch)} "
            "sentences; nothing was added. Check the model."
        )
    for row, text, piece in zip(rows, batch, tokens, strict=True):
        try:
            blocks[row] = quantise(text, piece, dimension)
        except ValueError as err:
            raise DocumentError(
                f"The model returned unusable token vectors ({err}); nothing was added."
            ) from err
    return vectors


def check_vectors(planned: Sequence[Planned], vectors: np.ndarray, dimension: int) -> None:
    """Refuse the whole batch if the model returned a wrong shape, NaN or infinity.

    `vectors` holds, for each planned document in turn, its passages' rows then its
    sentences'. Checked before anything is inserted: the store would refuse such a vector
    only after the earlier documents of the batch had gone in.

    Raises:
        DocumentError: naming the shape, or the document whose vectors are not finite.
    """
    count = sum(len(chunks) + len(sentences) for _, sentences, chunks in planned)
    if vectors.shape != (count, dimension):
        raise DocumentError(
            f"The model returned vectors of shape {vectors.shape} for {count} texts of "
            f"dimension {dimension}; nothing was added."
        )
    row = 0
    for document, sentences, chunks in planned:
        size = len(chunks) + len(sentences)
        if not np.isfinite(vectors[row : row + size]).all():
            raise DocumentError(
                f"The model returned invalid (NaN or infinite) vectors for document "
                f"{document.title!r}; nothing was added. Check the model, or remove "
                "that document."
            )
        row += size


def sentence_tokens(encoder: TokenEncoder, texts: Sequence[str], dimension: int) -> SentenceTokens:
    """One document's sentence token vectors, quantised (for an index saved without them)."""
    _, tokens = encoder.encode_with_tokens(list(texts))
    return pack(texts, tokens, dimension)
