"""Issue 6, item 4 (threats M1, M2): an index is only opened with the model that built it.

Vectors from two models are not comparable even when their dimensions agree
(zotero-mcp#126), so the name, the dimension and the weights' checksum must all match,
and the refusal names both sides so the user knows which model to load.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reliability_harness as harness

from qa import Assistant, IndexMismatchError


class _Other(harness.FakeEncoder):  # type: ignore[misc, name-defined]
    name = "other-encoder"


class _Retrained(harness.FakeEncoder):  # type: ignore[misc, name-defined]
    weights_sha256 = "f" * 64


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    assistant = Assistant.from_texts(
        ["Lanterns light the harbour at night."], embedder=harness.FakeEncoder(dimension=64)
    )
    assistant.save(tmp_path)
    return tmp_path


def test_another_dimension_is_refused_naming_both(saved: Path) -> None:
    with pytest.raises(
        IndexMismatchError,
        match=r"built with model 'fake-hashing-encoder' \(dimension 64\), but the current "
        r"model is 'fake-hashing-encoder' \(dimension 32\)",
    ):
        Assistant.load(saved, embedder=harness.FakeEncoder(dimension=32))


def test_another_model_of_the_same_dimension_is_refused_naming_both(saved: Path) -> None:
    with pytest.raises(
        IndexMismatchError,
        match=r"'fake-hashing-encoder' \(dimension 64\), but the current model is "
        r"'other-encoder' \(dimension 64\)\. Load it with model='fake-hashing-encoder'",
    ):
        Assistant.load(saved, embedder=_Other(dimension=64))


def test_the_same_name_with_other_weights_is_refused_naming_both_checksums(saved: Path) -> None:
    with pytest.raises(IndexMismatchError, match=r"SHA-256 0{64}, .* has f{64}\. Rebuild"):
        Assistant.load(saved, embedder=_Retrained(dimension=64))


def test_a_refused_index_is_left_as_it_was(saved: Path) -> None:
    before = {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()}
    with pytest.raises(IndexMismatchError):
        Assistant.load(saved, embedder=_Other(dimension=64))
    assert {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()} == before
    assert Assistant.load(saved, embedder=harness.FakeEncoder(dimension=64)).documents
