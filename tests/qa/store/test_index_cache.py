"""Saved indexes reused across runs: keyed by content, model and settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from qa import Settings
from qa.chunking import ChunkingConfig
from qa.store import read_manifest
from qa.store.cache import cache_key, open_cached


def _doc(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_second_open_loads_instead_of_embedding(fake_encoder: Any, tmp_path: Path) -> None:
    doc = _doc(tmp_path, "Owls\n\nThe barn owl hunts mice at night.")
    first = open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    calls = fake_encoder.calls
    second = open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    assert fake_encoder.calls == calls, "nothing re-embedded"
    question = "What does the barn owl hunt?"
    assert second.ask(question).text == first.ask(question).text


def test_changed_content_or_settings_build_a_new_index(fake_encoder: Any, tmp_path: Path) -> None:
    settings = Settings()
    key = cache_key(["a"], fake_encoder, settings)
    assert cache_key(["b"], fake_encoder, settings) != key
    other = dataclasses.replace(settings, chunking=ChunkingConfig(max_chars=300))
    assert cache_key(["a"], fake_encoder, other) != key
    doc = _doc(tmp_path, "Owls hunt mice.")
    open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    doc.write_text("Bees make honey.", encoding="utf-8")
    fresh = open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    assert "honey" in fresh.documents[0].text
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_a_damaged_cache_is_rebuilt(fake_encoder: Any, tmp_path: Path) -> None:
    doc = _doc(tmp_path, "The barn owl hunts mice at night.")
    open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    (index,) = (tmp_path / "cache").iterdir()
    (index / "CURRENT").write_text("gen-999999\n", encoding="ascii")
    again = open_cached([doc], embedder=fake_encoder, cache_dir=tmp_path / "cache")
    assert "mice" in again.ask("What does the barn owl hunt?").text


def test_an_index_cached_without_token_vectors_is_saved_again_with_them(
    fake_encoder: Any, tmp_path: Path, pooled_only: Any
) -> None:
    doc = _doc(tmp_path, "Owls\n\nThe barn owl hunts mice at night. It sleeps by day.")
    cache = tmp_path / "cache"
    first = open_cached([doc], embedder=pooled_only(fake_encoder), cache_dir=cache)
    (where,) = list(cache.iterdir())
    assert "tokens.npy" not in read_manifest(where)[1]["files"]
    calls = fake_encoder.calls

    again = open_cached([doc], embedder=fake_encoder, cache_dir=cache)

    assert "tokens.npy" in read_manifest(where)[1]["files"]
    assert [d.id for d in again.documents] == [d.id for d in first.documents]
    assert fake_encoder.calls == calls + 1  # the sentences' token vectors, nothing more
    third = open_cached([doc], embedder=fake_encoder, cache_dir=cache)
    assert fake_encoder.calls == calls + 1  # from now on they are loaded
    assert third.ask("What does the barn owl hunt?").found


def test_a_new_cutter_version_changes_the_key(
    fake_encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.store import cache as index_cache

    key = cache_key(["a"], fake_encoder, Settings())
    monkeypatch.setattr(index_cache, "CUTTER_VERSION", index_cache.CUTTER_VERSION + 1)

    assert cache_key(["a"], fake_encoder, Settings()) != key


@pytest.mark.slow
def test_the_bundled_article_opens_with_the_real_model_and_reader_and_is_cached(
    tmp_path: Path,
) -> None:
    from qa import open_bundled

    first = open_bundled(cache_dir=tmp_path)
    (saved,) = tmp_path.iterdir()
    assert (saved / "CURRENT").exists()
    assert first.reader is not None, "the app answers with the trained reader"

    again = open_bundled(cache_dir=tmp_path)
    assert [d.id for d in again.documents] == [d.id for d in first.documents]
    assert again.ask("What did Putin say about external forces?").found
