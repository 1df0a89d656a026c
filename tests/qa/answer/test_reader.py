"""The trained reader: refused by name when its weights are missing or changed, off on
request, and, when on, its reading of each sentence decides which one is quoted."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings import ModelIntegrityError, ModelNotAvailableError, TextEncoder
from embeddings.embedder import file_sha256 as sha256_of
from qa import Assistant
from qa.answer.reader import READER_FILE, Reader, Reading, default_reader
from qa.answer.reader_input import InputShape

ARTICLE = (
    "Solar panels\n"
    "The roof carries twelve solar panels. "
    "They were fitted by a local firm in the spring of 2019. "
    "The firm also serviced the heat pump.\n"
)


class KeywordReader:
    """Says a sentence answers exactly when it holds `keyword`; counts its calls."""

    def __init__(self, keyword: str, sure: float = 12.0) -> None:
        self.keyword = keyword
        self.sure = sure
        self.seen: list[list[str]] = []

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        self.seen.append(list(sentences))
        return [
            Reading(self.sure if self.keyword in s else -self.sure, (0, len(s)), 0.0)
            for s in sentences
        ]


def assistant(encoder: TextEncoder, reader: KeywordReader | None) -> Assistant:
    return Assistant.from_texts([ARTICLE], titles=["Solar panels"], embedder=encoder, reader=reader)


def answering_as(base: Assistant, **changes: object) -> Assistant:
    """The same assistant and index with some answering settings changed."""
    answering = replace(base.settings.answering, **changes)
    return base.with_settings(replace(base.settings, answering=answering))


# ----- the shipped weights ---------------------------------------------------------------
def test_missing_weights_are_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "reader.safetensors"
    with pytest.raises(ModelNotAvailableError, match=r"reader\.safetensors.*QA_READER=off"):
        Reader(missing).warm_up()


def test_changed_weights_are_refused_before_they_are_read(tmp_path: Path) -> None:
    tampered = tmp_path / "reader.safetensors"
    shutil.copyfile(READER_FILE, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(4096)
        byte = handle.read(1)
        handle.seek(4096)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelIntegrityError, match=re.escape(str(tampered)) + ".*damaged"):
        Reader(tampered).warm_up()


def test_a_file_that_is_not_safetensors_is_refused_even_with_its_own_checksum(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "reader.safetensors"
    junk.write_bytes(b"not a weights file")
    with pytest.raises(ModelIntegrityError, match=re.escape(str(junk)) + " cannot be read"):
        Reader(junk, sha256=sha256_of(junk)).warm_up()


def test_the_shipped_weights_match_the_pinned_checksum() -> None:
    reader = Reader()
    assert sha256_of(reader.weights) == reader.sha256


@pytest.mark.parametrize("value", ["off", "0", "false", "NO", " Off "])
def test_qa_reader_off_turns_the_reader_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("QA_READER", value)
    assert default_reader() is None


def test_the_reader_is_on_by_default_and_loads_only_when_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QA_READER", raising=False)
    reader = default_reader()
    assert isinstance(reader, Reader)
    assert reader._run is None  # nothing built until the first question


def test_an_assistant_given_its_own_encoder_gets_no_reader_unless_passed_one(
    fake_encoder: TextEncoder,
) -> None:
    assert Assistant.from_texts([ARTICLE], embedder=fake_encoder).reader is None
    fake = KeywordReader("2019")
    assert assistant(fake_encoder, fake).reader is fake


# ----- answering with a reader -------------------------------------------------------------
def test_the_readers_choice_of_sentence_is_quoted(fake_encoder: TextEncoder) -> None:
    """Worded like the first sentence, answered by the second: only the reader knows."""
    question = "When did the roof get its twelve solar panels?"
    without = assistant(fake_encoder, None).ask(question)
    assert "twelve solar panels" in without.text
    reader = KeywordReader("2019")
    answer = assistant(fake_encoder, reader).ask(question)
    assert answer.found
    assert answer.text.startswith("They were fitted by a local firm in the spring of 2019.")
    assert reader.seen, "the reader was never asked"


def test_every_candidate_of_a_question_goes_through_the_reader_in_one_batch(
    fake_encoder: TextEncoder,
) -> None:
    reader = KeywordReader("2019")
    assistant(fake_encoder, reader).ask("Who fitted the solar panels?")
    assert len(reader.seen) == 1
    assert "They were fitted by a local firm in the spring of 2019." in reader.seen[0]


def test_the_reader_reads_only_the_shortlist_of_the_reader_free_model(
    fake_encoder: TextEncoder,
) -> None:
    question = "When did the roof get its twelve solar panels?"
    reader = KeywordReader("2019")
    full = assistant(fake_encoder, reader)
    shortlisted = answering_as(full, reader_sentences=1, reader_chars=0)
    answer = shortlisted.ask(question)

    assert [len(batch) for batch in reader.seen] == [1]
    without = assistant(fake_encoder, None).ask(question)
    assert reader.seen[0][0] in without.text, "the one read is the reader-free model's best"
    assert not answer.found, "and the reader says it does not answer"
    with pytest.raises(ValueError, match="reader_sentences"):
        replace(full.settings.answering, reader_sentences=0)


def test_past_the_shortlist_short_sentences_are_read_while_they_fit_the_budget(
    fake_encoder: TextEncoder,
) -> None:
    question = "When did the roof get its twelve solar panels?"
    reader = KeywordReader("2019")
    full = assistant(fake_encoder, reader)
    full.ask(question)
    everything = reader.seen[-1]
    budget = len(everything[0]) + len(everything[1])

    answering_as(full, reader_sentences=1, reader_chars=budget).ask(question)
    answering_as(full, reader_sentences=1, reader_chars=budget - 1).ask(question)

    assert len(everything) > 2
    assert reader.seen[-2] == everything[:2], "the next best sentence fits, the third does not"
    assert reader.seen[-1] == everything[:1]
    with pytest.raises(ValueError, match="reader_chars"):
        replace(full.settings.answering, reader_chars=-1)


def test_a_heading_is_never_read_or_quoted(fake_encoder: TextEncoder) -> None:
    reader = KeywordReader("Solar panels")  # would pick the heading if it were a candidate
    answer = assistant(fake_encoder, reader).ask("Solar panels?")
    assert all(s.strip() != "Solar panels" for batch in reader.seen for s in batch)
    assert not answer.text.startswith("Solar panels [")


def test_when_the_reader_says_no_sentence_answers_the_question_is_declined(
    fake_encoder: TextEncoder,
) -> None:
    answer = assistant(fake_encoder, KeywordReader("no such words")).ask(
        "Who fitted the solar panels on the roof?"
    )
    assert not answer.found
    assert answer.sources, "a refusal still lists the nearest passages"


def test_the_settings_switch_turns_the_reader_off_over_the_same_index(
    fake_encoder: TextEncoder,
) -> None:
    question = "When did the roof get its twelve solar panels?"
    reader = KeywordReader("2019")
    on = assistant(fake_encoder, reader)
    off = answering_as(on, use_reader=False)
    assert off.collection is on.collection, "a query-time switch re-indexes nothing"
    assert off.ask(question).text == assistant(fake_encoder, None).ask(question).text
    assert reader.seen == []
    assert on.ask(question).text.startswith("They were fitted")


class OneTokenTokenizer:
    """What the reader needs of a tokenizer: every text is one token."""

    def token_to_id(self, token: str) -> int:
        return {"[CLS]": 101, "[SEP]": 102}[token]

    def encode(self, text: str, add_special_tokens: bool = True) -> object:
        return type("Encoding", (), {"ids": [7], "offsets": [(0, len(text))]})()


def test_a_sentence_read_lately_for_the_same_question_is_not_read_again() -> None:
    rows: list[int] = []

    def network(feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        n, width = feed["input_ids"].shape
        rows.append(n)
        return [np.arange(n, dtype=np.float32), np.zeros((n, width)), np.zeros((n, width))]

    reader = Reader()
    reader._tokenizer = OneTokenTokenizer()
    reader.shape = InputShape()
    reader._run = network  # stands in for the loaded network: nothing is read from disk
    first = reader.read("Who?", ["a", "b"])
    again = reader.read("Who?", ["b", "c", "a"])
    other = reader.read("Why?", ["a"])

    assert rows == [2, 1, 1], "only sentences not read for this question go through"
    assert again[0] == first[1] and again[2] == first[0]
    assert other[0].logit == 0.0


# ----- the real network (loads the weights: seconds) ---------------------------------------
@pytest.fixture(scope="module")
def real_reader() -> Reader:
    reader = Reader()
    reader.warm_up()
    return reader


SENTENCES = [
    "The treaty was signed in Moscow in 2001.",
    "Both leaders spoke about vaccine research.",
    "It rained all day.",
]


@pytest.mark.slow
def test_the_real_reader_prefers_the_sentence_that_answers(real_reader: Reader) -> None:
    readings = real_reader.read("When was the treaty signed?", SENTENCES)
    assert max(range(3), key=lambda i: readings[i].logit) == 0
    assert readings[0].probability > 0.5 > readings[2].probability
    start, end = readings[0].phrase
    assert 0 <= start < end <= len(SENTENCES[0])
    assert "2001" in SENTENCES[0][start:end]


@pytest.mark.slow
def test_the_real_reader_is_deterministic_and_batch_independent(real_reader: Reader) -> None:
    question = "What did the leaders discuss?"
    together = real_reader.read(question, SENTENCES)
    again = real_reader.read(question, SENTENCES)
    alone = [real_reader.read(question, [s])[0] for s in SENTENCES]
    assert together == again
    for a, b in zip(together, alone, strict=True):
        assert math.isclose(a.logit, b.logit, abs_tol=1e-3)
        assert a.phrase == b.phrase


@pytest.mark.slow
def test_onnx_and_torch_read_alike(real_reader: Reader) -> None:
    torch_reader = Reader(backend="torch")
    question = "Where was the treaty signed?"
    torch_readings = torch_reader.read(question, SENTENCES)
    assert (real_reader.runtime, torch_reader.runtime) == ("onnx", "torch")
    for a, b in zip(real_reader.read(question, SENTENCES), torch_readings, strict=True):
        assert math.isclose(a.logit, b.logit, abs_tol=0.05)
        assert a.phrase == b.phrase


@pytest.mark.slow
def test_the_int8_graph_is_made_once_and_reads_like_fp32(real_reader: Reader) -> None:
    int8 = Reader(quantised=True)
    question = "Where was the treaty signed?"
    readings = int8.read(question, SENTENCES)
    assert int8.runtime == "onnx-int8" and int8.graph is not None
    assert int8.graph.name == "reader.int8.onnx" and int8.graph.parent == real_reader.graph.parent
    made = int8.graph.stat().st_mtime_ns
    assert Reader(quantised=True).read(question, SENTENCES) == readings
    assert int8.graph.stat().st_mtime_ns == made, "the int8 graph is reused, not remade"
    fp32 = real_reader.read(question, SENTENCES)
    best = max(range(len(SENTENCES)), key=lambda i: fp32[i].logit)
    assert max(range(len(SENTENCES)), key=lambda i: readings[i].logit) == best
    for a, b in zip(readings, fp32, strict=True):
        assert math.isclose(a.logit, b.logit, abs_tol=1.0)


def test_qa_reader_int8_asks_for_the_quantised_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_READER", "int8")
    reader = default_reader()
    assert isinstance(reader, Reader) and reader.quantised and reader.runtime is None
    monkeypatch.setenv("QA_READER", "on")
    reader = default_reader()
    assert isinstance(reader, Reader) and not reader.quantised


@pytest.mark.slow
def test_qa_reader_off_gives_the_answers_of_the_sentence_model_alone(
    monkeypatch: pytest.MonkeyPatch, real_embedder: TextEncoder
) -> None:
    """With QA_READER=off the real assistant answers exactly as one built without a reader."""
    questions = ["What did Putin say about external forces?", "Who won the 2020 election?"]
    monkeypatch.setenv("QA_READER", "off")
    off = Assistant.default(embedder=real_embedder)
    assert off.reader is None
    without = Assistant.default(embedder=real_embedder, reader=None)
    for question in questions:
        got, expected = off.ask(question), without.ask(question)
        assert (got.text, got.found, got.confidence) == (
            expected.text,
            expected.found,
            expected.confidence,
        )
    monkeypatch.delenv("QA_READER")
    assert isinstance(Assistant.default(embedder=real_embedder).reader, Reader)


def test_sentences_of_very_different_lengths_are_read_in_separate_batches() -> None:
    from qa.answer.reader import length_batches

    batches = length_batches([12, 120, 100, 14, 70])

    assert batches == [[1, 2], [4], [3, 0]]
    assert sorted(row for batch in batches for row in batch) == [0, 1, 2, 3, 4]
    assert length_batches([]) == []
