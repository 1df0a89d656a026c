"""Settings(reader_token_vectors=False): an assistant with a reader neither makes, saves
nor loads the sentences' token vectors (issue 28); one without a reader keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa import Assistant, Settings
from qa.answer.reader import Reading
from qa.store import TOKEN_SCALES, TOKENS, current_generation, read_manifest
from qa.store.cache import open_cached

TEXTS = [
    "Owls\n\nThe barn owl hunts mice at night. It sleeps in old barns by day. "
    "Its face is shaped like a heart.",
    "Bees\n\nHoney bees make honey from nectar. A hive holds one queen. "
    "Worker bees live for about six weeks in summer.",
]
QUESTIONS = [
    "What does the barn owl hunt?",
    "How long do worker bees live?",
    "Who won the chess match?",
]


class WordReader:
    """A stand-in reader: a sentence answers when it shares a word of four letters or more
    with the question."""

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        asked = _words(question)
        return [Reading(3.0 if asked & _words(s) else -3.0, (0, len(s)), 0.0) for s in sentences]


def _words(text: str) -> set[str]:
    return {w.strip("?.,").lower() for w in text.split() if len(w) > 3}


POOLED = Settings(reader_token_vectors=False)


def _generation(where: Path) -> Path:
    return where / current_generation(where)


def _bytes(where: Path) -> int:
    return sum(p.stat().st_size for p in _generation(where).iterdir())


def _answers(assistant: Assistant) -> list[tuple[str, bool]]:
    return [(a.text, a.found) for a in (assistant.ask(q) for q in QUESTIONS)]


def test_an_index_built_with_a_reader_holds_no_token_files_and_is_smaller(
    fake_encoder: Any, tmp_path: Path
) -> None:
    with_reader = Assistant.from_texts(
        TEXTS, embedder=fake_encoder, reader=WordReader(), settings=POOLED
    )
    without = Assistant.from_texts(TEXTS, embedder=fake_encoder, reader=None)
    with_reader.save(tmp_path / "reader")
    without.save(tmp_path / "plain")

    files = {p.name for p in _generation(tmp_path / "reader").iterdir()}
    assert TOKENS not in files and TOKEN_SCALES not in files
    assert TOKENS not in read_manifest(tmp_path / "reader")[1]["files"]
    assert all(with_reader.collection.sentence_tokens(d.id) is None for d in with_reader.documents)
    assert _bytes(tmp_path / "reader") < _bytes(tmp_path / "plain")


def test_a_reader_assistant_never_asks_for_token_vectors(
    fake_encoder: Any, monkeypatch: Any
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("token vectors were computed")

    monkeypatch.setattr(fake_encoder, "encode_with_tokens", refuse)
    monkeypatch.setattr(fake_encoder, "query_tokens", refuse)
    assistant = Assistant.from_texts(
        TEXTS, embedder=fake_encoder, reader=WordReader(), settings=POOLED
    )

    assert assistant.ask(QUESTIONS[0]).found
    assert assistant.collection.fill_missing_tokens() == 0


def test_an_assistant_without_a_reader_still_stores_and_loads_them(
    fake_encoder: Any, tmp_path: Path
) -> None:
    built = Assistant.from_texts(TEXTS, embedder=fake_encoder, reader=None)
    built.save(tmp_path / "index")

    files = {p.name for p in _generation(tmp_path / "index").iterdir()}
    assert {TOKENS, TOKEN_SCALES} <= files
    loaded = Assistant.load(tmp_path / "index", embedder=fake_encoder, reader=None)
    assert all(loaded.collection.sentence_tokens(d.id) is not None for d in loaded.documents)
    assert _answers(loaded) == _answers(built)


def test_an_index_saved_with_token_vectors_loads_into_a_reader_assistant_without_them(
    fake_encoder: Any, tmp_path: Path
) -> None:
    Assistant.from_texts(TEXTS, embedder=fake_encoder, reader=None).save(tmp_path / "old")
    # Damaged token files prove they are never read: a load that read them would refuse.
    (_generation(tmp_path / "old") / TOKENS).write_bytes(b"not an array")

    loaded = Assistant.load(
        tmp_path / "old", embedder=fake_encoder, reader=WordReader(), settings=POOLED
    )
    fresh = Assistant.from_texts(TEXTS, embedder=fake_encoder, reader=WordReader(), settings=POOLED)

    assert all(loaded.collection.sentence_tokens(d.id) is None for d in loaded.documents)
    assert _answers(loaded) == _answers(fresh)
    loaded.save(tmp_path / "old")  # a later save leaves them out
    assert TOKENS not in {p.name for p in _generation(tmp_path / "old").iterdir()}


def test_a_cached_index_without_token_vectors_is_complete_for_a_reader(
    fake_encoder: Any, tmp_path: Path
) -> None:
    doc = tmp_path / "owls.txt"
    doc.write_text(TEXTS[0], encoding="utf-8")
    cache = tmp_path / "cache"
    open_cached([doc], embedder=fake_encoder, cache_dir=cache, reader=WordReader(), settings=POOLED)
    (where,) = list(cache.iterdir())
    saved = current_generation(where)

    again = open_cached(
        [doc], embedder=fake_encoder, cache_dir=cache, reader=WordReader(), settings=POOLED
    )

    assert current_generation(where) == saved, "not saved again to add token vectors"
    assert TOKENS not in read_manifest(where)[1]["files"]
    assert again.ask(QUESTIONS[0]).found
