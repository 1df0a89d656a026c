"""The reader's input layout, shared by training and question time: a pair row is exactly the
tokenizer's own pair encoding, and a context segment never becomes part of the sentence."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from embeddings.embedder import bundled_model_dir
from qa.answer.reader import Reader
from qa.answer.reader_input import (
    CONTEXT,
    InputShape,
    encode_pair,
    shape_from_metadata,
    shape_metadata,
)

QUESTION = "Who signed the treaty of Westphalia?"
SENTENCE_TEXT = "He signed it in 1648, after thirty years of war across the German lands."
CONTEXT_TEXT = "Ferdinand III was Holy Roman Emperor. His envoys met at Osnabrück."


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@pytest.mark.parametrize("pair_tokens", [96, 20])
def test_without_context_a_row_is_the_tokenizers_own_pair_encoding(
    tokenizer: Tokenizer, pair_tokens: int
) -> None:
    reference = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    reference.enable_truncation(pair_tokens, strategy="only_second")
    reference.no_padding()
    expected = reference.encode(QUESTION, SENTENCE_TEXT)
    for shape in (InputShape(pair_tokens=pair_tokens), InputShape(pair_tokens, 48)):
        row = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, "", shape)
        assert row.ids == expected.ids
        assert row.type_ids == expected.type_ids
        sentence = [
            o for o, seq in zip(expected.offsets, expected.sequence_ids, strict=True) if seq == 1
        ]
        assert [row.offsets[i] for i in row.sentence_tokens()] == sentence


def test_a_context_follows_the_sentence_and_keeps_its_end(tokenizer: Tokenizer) -> None:
    bare = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, "", InputShape())
    shape = InputShape(pair_tokens=96, context_tokens=6)
    row = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, CONTEXT_TEXT, shape)

    assert row.ids[: len(bare.ids)] == bare.ids, "question and sentence are unchanged"
    context = [i for i, segment in enumerate(row.segments) if segment == CONTEXT]
    assert len(context) == 6 and row.ids[-1] == tokenizer.token_to_id("[SEP]")
    assert all(row.type_ids[i] == 0 for i in context), "the context reads as not-the-sentence"
    assert row.sentence_tokens() == bare.sentence_tokens()
    last = row.offsets[context[-1]]
    assert CONTEXT_TEXT[last[0] : last[1]] == ".", "the words nearest the sentence are kept"
    assert len(row.ids) <= shape.max_length


def test_a_context_is_ignored_by_a_reader_trained_without_one(tokenizer: Tokenizer) -> None:
    bare = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, "", InputShape())
    with_context = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, CONTEXT_TEXT, InputShape())
    assert with_context == bare
    tiny = encode_pair(tokenizer, QUESTION, SENTENCE_TEXT, "Yes.", InputShape(96, 48))
    assert CONTEXT not in tiny.segments, "a context of a token or two is left out"


def test_the_input_shape_round_trips_through_the_files_metadata() -> None:
    shape = InputShape(pair_tokens=112, context_tokens=40)
    assert shape_from_metadata(shape_metadata(shape)) == shape
    assert shape_from_metadata({"config": "{}"}) == InputShape(96, 0), "the first reader"
    assert shape_from_metadata(None) == InputShape(96, 0)
    with pytest.raises(ValueError, match="input shape is unreadable"):
        shape_from_metadata({"context_tokens": "many"})


def test_the_reader_reads_the_context_and_remembers_readings_by_it(tokenizer: Tokenizer) -> None:
    widths: list[int] = []

    def network(feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        n, width = feed["input_ids"].shape
        widths.append(width)
        relevance = feed["attention_mask"].sum(axis=1).astype(np.float32)
        return [relevance, np.zeros((n, width)), np.zeros((n, width))]

    reader = Reader()
    reader._tokenizer = tokenizer
    reader.shape = InputShape(pair_tokens=96, context_tokens=48)
    reader._run = network  # stands in for the loaded network: nothing is read from disk

    alone, after = reader.read(QUESTION, [SENTENCE_TEXT] * 2, ["", CONTEXT_TEXT])
    assert after.logit > alone.logit, "the second row carried its context"
    calls = len(widths)
    again = reader.read(QUESTION, [SENTENCE_TEXT], [CONTEXT_TEXT])
    assert again == [after] and len(widths) == calls, "a repeat with its context is remembered"
    assert after.phrase[1] <= len(SENTENCE_TEXT), "the phrase lies inside the sentence"
    with pytest.raises(ValueError, match="2 contexts for 1 sentences"):
        reader.read(QUESTION, [SENTENCE_TEXT], ["", ""])
