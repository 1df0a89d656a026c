"""Training the reader: it refuses changed data before any step, and a run stopped and resumed
from its checkpoint ends with the same weights as one run straight through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.embedder import file_sha256 as sha256_of
from training import reader as training_reader
from training.data import DataError, build_pairs, read_questions, split, verify

COLOURS = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]


def write_data(folder: Path, count: int = 40) -> Path:
    """A small train.jsonl in the real file's shape: one answering sentence of three."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        colour = COLOURS[i % len(COLOURS)]
        lines.append(
            json.dumps(
                {
                    "source": "synthetic",
                    "question": f"What colour is house number {i}?",
                    "sentences": [
                        f"House number {i} is painted {colour}.",
                        f"Street {i} has {i + 3} trees.",
                        "The weather was mild that year.",
                    ],
                    "labels": [1, 0, 0],
                    "answers": [colour],
                }
            )
        )
    path = folder / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_missing_data_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"train\.jsonl is missing"):
        verify(tmp_path, {"train.jsonl": "0" * 64})


def test_a_changed_data_file_is_refused_before_training(tmp_path: Path) -> None:
    path = write_data(tmp_path)
    pinned = {"train.jsonl": sha256_of(path)}
    verify(tmp_path, pinned)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="the file changed"):
        verify(tmp_path, pinned)


def test_a_malformed_record_is_named_by_its_line(tmp_path: Path) -> None:
    path = write_data(tmp_path, 3)
    path.write_text(path.read_text(encoding="utf-8") + '{"question": "no sentences"}\n')
    with pytest.raises(DataError, match=r"train.jsonl:4: malformed"):
        read_questions(path)


def test_pairs_and_the_held_out_split_are_the_same_on_every_run(tmp_path: Path) -> None:
    questions = read_questions(write_data(tmp_path, 200))
    train, held = split(questions)
    assert held and len(held) < len(questions) / 10
    assert not {q.question for q in train} & {q.question for q in held}
    first, second = build_pairs(train, 13, 2), build_pairs(train, 13, 2)
    assert first == second
    positives = [p for p in first if p.label == 1]
    assert all(p.sentence[p.answer_start : p.answer_end] in COLOURS for p in positives)


@pytest.mark.slow
def test_a_resumed_run_ends_where_an_unbroken_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.torch import load_file

    data = tmp_path / "data"
    pinned = {"train.jsonl": sha256_of(write_data(data))}
    monkeypatch.setattr(training_reader, "DATA_SHA256", pinned)
    config = training_reader.RunConfig(negatives=1, batch_size=8, max_length=48)

    def run(out: Path, max_steps: int | None) -> None:
        assert training_reader.run(config, data, out, max_steps, 2, 1) == 0

    run(tmp_path / "straight", None)
    run(tmp_path / "resumed", 3)
    assert not (tmp_path / "resumed" / "reader.safetensors").exists()
    run(tmp_path / "resumed", None)

    straight = load_file(tmp_path / "straight" / "reader.safetensors")
    resumed = load_file(tmp_path / "resumed" / "reader.safetensors")
    assert straight.keys() == resumed.keys()
    assert all(bool((straight[k] == resumed[k]).all()) for k in straight)
    metrics = json.loads((tmp_path / "straight" / "validation.json").read_text())
    assert 0.0 <= metrics["top1"] <= 1.0

    # The weights a run writes are the ones the assistant can read.
    from qa.answer.reader import Reader

    weights = tmp_path / "straight" / "reader.safetensors"
    reader = Reader(weights, sha256=sha256_of(weights), backend="torch")
    readings = reader.read("What colour is house number 3?", ["House number 3 is painted blue."])
    assert len(readings) == 1


@pytest.mark.slow
def test_a_checkpoint_made_with_other_settings_is_not_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setattr(
        training_reader, "DATA_SHA256", {"train.jsonl": sha256_of(write_data(data))}
    )
    out = tmp_path / "run"
    small = training_reader.RunConfig(negatives=1, batch_size=8, max_length=48)
    training_reader.run(small, data, out, 1, 1, 1)
    other = training_reader.RunConfig(negatives=1, batch_size=8, max_length=48, seed=7)
    with pytest.raises(SystemExit, match="other settings"):
        training_reader.run(other, data, out, 1, 1, 1)


def test_unanswerable_questions_are_repeated_and_answerable_ones_are_not(tmp_path: Path) -> None:
    path = write_data(tmp_path / "data", count=4)
    record = json.loads(path.read_text().splitlines()[0])
    record.update(question="Who built house number 0?", labels=[0, 0, 0], answers=[])
    path.write_text(path.read_text() + json.dumps(record) + "\n", encoding="utf-8")
    questions = read_questions(path)

    once = build_pairs(questions, 13, 2)
    thrice = build_pairs(questions, 13, 2, unanswerable_repeat=3)

    def unanswerable(pairs: list) -> list:
        return [p for p in pairs if p.question.startswith("Who built")]

    assert len(unanswerable(once)) == 2
    assert len(unanswerable(thrice)) == 6
    assert all(p.label == 0 for p in unanswerable(thrice))
    assert len(thrice) - len(unanswerable(thrice)) == len(once) - len(unanswerable(once))


def test_a_run_continued_from_a_reader_file_starts_from_its_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.torch import load_file

    data = tmp_path / "data"
    monkeypatch.setattr(
        training_reader, "DATA_SHA256", {"train.jsonl": sha256_of(write_data(data, count=8))}
    )
    first = training_reader.RunConfig(negatives=1, batch_size=8, max_length=48)
    assert training_reader.run(first, data, tmp_path / "first", None, 5, 1) == 0
    init = tmp_path / "first" / "reader.safetensors"

    # Zero learning rate: what a continued run writes is the file it started from.
    still = training_reader.RunConfig(
        negatives=1, batch_size=8, max_length=48, learning_rate=0.0, init_sha256=sha256_of(init)
    )
    assert training_reader.run(still, data, tmp_path / "second", None, 5, 1, init=init) == 0
    before, after = load_file(init), load_file(tmp_path / "second" / "reader.safetensors")
    assert all(bool((before[k] == after[k]).all()) for k in before)

    with pytest.raises(SystemExit, match="checksum"):
        training_reader.run(still, data, tmp_path / "third", None, 5, 1)
    changed = tmp_path / "changed.safetensors"
    changed.write_bytes(init.read_bytes() + b" ")
    with pytest.raises(SystemExit, match="changed since"):
        training_reader.run(still, data, tmp_path / "third", None, 5, 1, init=changed)


def test_a_candidate_is_read_after_its_neighbour_only_where_the_source_keeps_order() -> None:
    import random

    from qa.answer.reader_input import InputShape
    from training.data import Question, pairs_for
    from training.reader import bundled_dir, bundled_tokenizer, encode

    sentences = ("The river rises in the hills.", "It is painted red by the iron in it.", "End.")
    ordered = Question("squad2.0-train", "Why is the river red?", sentences, (0, 1, 0), ("red",))
    shuffled = Question("squad1.1-train-reqa", ordered.question, sentences, (0, 1, 0), ("red",))

    pairs = pairs_for(ordered, random.Random(1), negatives=2)
    by_sentence = {p.sentence: p.context for p in pairs}
    assert by_sentence == {sentences[1]: sentences[0], sentences[0]: "", sentences[2]: sentences[1]}
    assert all(p.context == "" for p in pairs_for(shuffled, random.Random(1), negatives=2))

    positive = next(p for p in pairs if p.label == 1)
    batch = encode(bundled_tokenizer(bundled_dir()), [positive], InputShape(96, 16))
    start, end = int(batch["start"][0]), int(batch["end"][0])
    assert int(batch["token_type_ids"][0, start]) == 1, "the phrase is in the sentence"
    lo, hi = batch["offsets"][0, start].tolist()[0], batch["offsets"][0, end].tolist()[1]
    assert positive.sentence[lo:hi] == "red"
    assert int(batch["token_type_ids"][0, -2]) == 0, "the context segment follows"
