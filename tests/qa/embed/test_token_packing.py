"""Token packing at index time: which pieces count, int8 storage, and how it is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings import TextEncoder
from embeddings.tokens import TokenVectors, token_vectors
from qa import Assistant
from qa.embed.token_packing import SentenceTokens, content_rows
from qa.errors import IndexCorruptError
from qa.store import TOKENS, read_manifest

DIMENSION = 16


def test_stop_words_and_punctuation_are_not_matched(
    word_tokens: Callable[..., TokenVectors],
) -> None:
    text = "What did Putin say , about the forces ?"

    rows = content_rows(text, word_tokens(text))

    kept = [text.split()[i] for i in rows]
    assert kept == ["Putin", "say", "forces"]


def test_a_question_of_stop_words_only_keeps_every_piece(
    word_tokens: Callable[..., TokenVectors],
) -> None:
    text = "Who is he ?"

    assert content_rows(text, word_tokens(text)).tolist() == [0, 1, 2, 3]


def test_special_tokens_and_empty_offsets_are_dropped_and_rows_normalised() -> None:
    hidden = np.arange(4 * 3, dtype=np.float32).reshape(4, 3) + 1
    offsets = [(0, 0), (0, 5), (6, 6), (6, 11)]

    tokens = token_vectors(hidden, offsets, special=[1, 0, 0, 0])

    assert tokens.spans.tolist() == [[0, 5], [6, 11]]
    assert np.allclose(np.linalg.norm(tokens.vectors, axis=1), 1.0)
    assert np.allclose(tokens.vectors[0], hidden[1] / np.linalg.norm(hidden[1]))


def test_inconsistent_blocks_are_refused() -> None:
    with pytest.raises(ValueError, match="Inconsistent"):
        SentenceTokens(np.zeros((3, DIMENSION), np.int8), np.ones(3, np.float32), np.array([0, 2]))


# ----- in the collection and on disk -------------------------------------------------------
def test_each_sentence_gets_its_block_of_pieces(fake_assistant: Assistant) -> None:
    collection = fake_assistant.collection
    entry = collection.entry(collection.documents[0].id)

    assert entry.sentence_tokens is not None
    assert entry.sentence_tokens.sentence_count == len(entry.sentences)
    assert entry.sentence_tokens.codes.shape[1] == collection.embedder.dimension


def test_tokens_survive_a_save_and_load(
    fake_assistant: Assistant, tmp_path: Path, fake_encoder: TextEncoder
) -> None:
    fake_assistant.add_documents(["A second document about harbours and lanterns."])
    fake_assistant.save(tmp_path)

    loaded = Assistant.load(tmp_path, embedder=fake_encoder)

    for document in fake_assistant.documents:
        before = fake_assistant.collection.entry(document.id).sentence_tokens
        after = loaded.collection.entry(document.id).sentence_tokens
        assert before is not None and after is not None
        assert np.array_equal(before.codes, after.codes)
        assert np.array_equal(before.scales, after.scales)
        assert np.array_equal(before.bounds, after.bounds)


def test_an_index_saved_without_tokens_gets_them_on_loading(
    tmp_path: Path, make_fake_encoder: Callable[..., TextEncoder], pooled_only: Any
) -> None:
    plain = Assistant.default(embedder=pooled_only(make_fake_encoder()))
    plain.save(tmp_path)
    _, manifest = read_manifest(tmp_path)
    assert TOKENS not in manifest["files"]

    loaded = Assistant.load(tmp_path, embedder=make_fake_encoder())
    reply = loaded.ask("What did Putin say about external forces?")

    assert reply.found and "Putin" in reply.text
    entry = loaded.collection.entry(loaded.documents[0].id)  # made by Assistant.load
    assert entry.sentence_tokens is not None
    assert entry.sentence_tokens.sentence_count == len(entry.sentences)


def test_token_counts_that_do_not_add_up_are_named(
    fake_assistant: Assistant, tmp_path: Path, fake_encoder: TextEncoder
) -> None:
    import json

    from qa.store import MANIFEST, seal

    generation = fake_assistant.save(tmp_path)
    manifest = json.loads((generation / MANIFEST).read_text())
    manifest["documents"][0]["token_counts"][0] += 1  # one piece more than was saved
    (generation / MANIFEST).write_text(json.dumps(seal(manifest)))

    from qa import store

    fresh = Assistant(fake_encoder)
    with pytest.raises(IndexCorruptError, match=r"token vectors of .* run past"):
        store.load(tmp_path, fresh.collection)
    assert fresh.documents == []  # nothing half-loaded


def test_a_model_that_loses_a_sentences_tokens_adds_nothing(fake_assistant: Assistant) -> None:
    from qa.errors import DocumentError

    encoder = fake_assistant.embedder
    real = encoder.encode_with_tokens  # type: ignore[attr-defined]

    def short(texts: list[str], **kwargs: object) -> tuple[np.ndarray, list[TokenVectors]]:
        vectors, tokens = real(texts)
        return vectors, tokens[:-1]

    encoder.encode_with_tokens = short  # type: ignore[attr-defined]
    before = [d.id for d in fake_assistant.documents]

    with pytest.raises(DocumentError, match="token vectors for"):
        fake_assistant.add_documents(["Owls hunt at night. Bats do too.", "Cats sleep all day."])

    assert [d.id for d in fake_assistant.documents] == before


def test_a_model_that_answers_in_the_wrong_shape_adds_nothing(fake_assistant: Assistant) -> None:
    from qa.errors import DocumentError

    encoder = fake_assistant.embedder
    real = encoder.encode  # type: ignore[attr-defined]
    encoder.encode = lambda texts, **kw: real(texts)[:, :-1]  # type: ignore[attr-defined]
    before = [d.id for d in fake_assistant.documents]

    with pytest.raises(DocumentError, match=r"vectors of shape \(\d+, 63\).*nothing was added"):
        fake_assistant.add_documents(["Owls hunt at night.\n\nBats do too."])

    assert [d.id for d in fake_assistant.documents] == before
