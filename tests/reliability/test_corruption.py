"""Issue 6, item 2 (threats P3, P5, M4, P10): a damaged index is refused by name.

Every file of a saved index (and the CURRENT pointer) is truncated, bit-flipped, replaced
by random bytes, by its twin from the previous generation, or deleted; the result is
loaded in a forked child so that a segfault would be seen, and compared against a
re-chunking and re-encoding of the documents so that a quietly wrong passage would be
seen too.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import reliability_harness as harness

from embeddings import VectorStore
from qa import Assistant, IndexCorruptError, Settings, StoreError, store
from qa.answer.reader import Reading

SEED = 20261128


@pytest.mark.slow
def test_every_fault_in_every_file_gives_a_named_error_or_a_completed_save(
    tmp_path: Path,
) -> None:
    summary = harness.run("corruption", str(tmp_path), str(SEED))
    print(json.dumps(summary))
    assert summary["failures"] == [], "a fault crashed a load or let a wrong passage through"
    assert summary["files"] == [
        store.CURRENT,
        store.DOCUMENTS,
        store.MANIFEST,
        store.PASSAGES,
        store.SENTENCES,
        store.TOKEN_SCALES,
        store.TOKENS,
    ]
    assert summary["faults"] >= 190
    assert not any(key.startswith(("signal", "hung", "unexpected")) for key in summary["outcomes"])


@pytest.fixture
def two_saves(fake_assistant: Assistant, tmp_path: Path) -> Path:
    fake_assistant.save(tmp_path)
    fake_assistant.add_documents(["Lanterns light the harbour. The falcon sleeps."])
    fake_assistant.save(tmp_path)
    return tmp_path


def _edit_manifest(generation: Path, edit: object) -> None:
    path = generation / store.MANIFEST
    manifest = json.loads(path.read_text())
    edit(manifest)  # type: ignore[operator]
    path.write_text(json.dumps(manifest, indent=1))


def test_a_shifted_passage_offset_is_refused_and_the_earlier_save_named(
    two_saves: Path, fake_encoder: object
) -> None:
    """Valid JSON with one offset moved by a character used to load and quote wrong text."""
    _edit_manifest(two_saves / "gen-000002", lambda m: m["chunks"][0].__setitem__(3, 1))
    with pytest.raises(
        IndexCorruptError,
        match=r"does not match its own checksum.*earlier save gen-000001 is intact.*CURRENT",
    ):
        Assistant.load(two_saves, embedder=fake_encoder)  # type: ignore[arg-type]


def test_a_file_swapped_for_the_previous_generations_is_refused(
    two_saves: Path, fake_encoder: object
) -> None:
    old = (two_saves / "gen-000001" / store.PASSAGES).read_bytes()
    (two_saves / "gen-000002" / store.PASSAGES).write_bytes(old)
    with pytest.raises(IndexCorruptError, match=r"passages.faiss does not match its checksum"):
        Assistant.load(two_saves, embedder=fake_encoder)  # type: ignore[arg-type]


def test_a_vector_appended_by_hand_is_refused_even_with_checksums_redone(
    two_saves: Path, fake_assistant: Assistant
) -> None:
    """M4 (haystack#5407): vector count and passage rows must agree, id for id."""
    generation = two_saves / "gen-000002"
    vectors = fake_assistant.collection.store
    extra = VectorStore.from_bytes(vectors.to_bytes(), vectors.dimension)
    extra.add([10_000], vectors.vectors([int(vectors.ids()[0])]))
    (generation / store.PASSAGES).write_bytes(extra.to_bytes())
    harness.reseal(generation)
    with pytest.raises(IndexCorruptError, match=r"vectors do not match .* passages by id"):
        Assistant.load(two_saves, embedder=fake_assistant.embedder)


def test_an_index_of_an_older_format_asks_for_a_rebuild(
    two_saves: Path, fake_encoder: object
) -> None:
    """P10: format 1 manifests could not check themselves; they are not read silently."""
    _edit_manifest(two_saves / "gen-000002", lambda m: m.__setitem__("format_version", 1))
    with pytest.raises(StoreError, match=r"format version 1; this program reads version 2"):
        Assistant.load(two_saves, embedder=fake_encoder)  # type: ignore[arg-type]


def test_a_pointer_to_nowhere_is_refused(two_saves: Path, fake_encoder: object) -> None:
    (two_saves / store.CURRENT).write_text("gen-000009\n")
    with pytest.raises(IndexCorruptError, match=r"names 'gen-000009', which is not a saved"):
        Assistant.load(two_saves, embedder=fake_encoder)  # type: ignore[arg-type]


class _AnyReader:
    """A reader that reads every sentence as a weak answer: the assistant has one, so its
    index keeps no token vectors."""

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        return [Reading(0.0, (0, len(s)), 0.0) for s in sentences]


@pytest.mark.parametrize("name", [store.DOCUMENTS, store.PASSAGES, store.SENTENCES])
def test_an_index_saved_with_a_reader_refuses_each_damaged_file_by_name(
    fake_encoder: Any, tmp_path: Path, name: str
) -> None:
    """Issue 28: without token files, the files there are are still checked one by one."""
    Assistant.default(
        embedder=fake_encoder, reader=_AnyReader(), settings=Settings(reader_token_vectors=False)
    ).save(tmp_path)
    generation = tmp_path / "gen-000001"
    assert not (generation / store.TOKENS).exists()
    data = (generation / name).read_bytes()
    (generation / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match=rf"{name} does not match its checksum"):
        Assistant.load(
            tmp_path,
            embedder=fake_encoder,
            reader=_AnyReader(),
            settings=Settings(reader_token_vectors=False),
        )


def test_a_failed_load_leaves_the_collection_empty(two_saves: Path, fake_encoder: object) -> None:
    """Nothing is applied until everything has been verified (no half-loaded collection)."""
    (two_saves / "gen-000002" / store.SENTENCES).write_bytes(b"\x93NUMPY garbage")
    fresh = Assistant(fake_encoder)  # type: ignore[arg-type]
    with pytest.raises(IndexCorruptError):
        store.load(two_saves, fresh.collection)
    assert fresh.documents == []
    assert fresh.collection.passage_count == 0


@pytest.mark.slow
def test_a_forged_faiss_file_behind_resealed_checksums_is_still_refused_by_name(
    two_saves: Path, tmp_path: Path
) -> None:
    """P5 without the checksum gate: what FAISS's reader does with hostile bytes.

    Someone who can write the directory can also fix the checksums (see
    docs/reliability.md, "Authenticity"); the load runs in a separate interpreter so a
    crash would be seen.
    """
    genuine = (two_saves / "gen-000002" / store.PASSAGES).read_bytes()
    forgeries = {
        "huge ntotal": harness._huge_faiss_header(),
        "random bytes": bytes(range(256)) * 16,
        "truncated header": genuine[:60],
        "type tag changed": b"IxF2" + genuine[4:],
    }
    with harness.Worker() as fresh:
        for name, data in forgeries.items():
            work = tmp_path / name.replace(" ", "-")
            shutil.copytree(two_saves, work)
            (work / "gen-000002" / store.PASSAGES).write_bytes(data)
            harness.reseal(work / "gen-000002")
            result = fresh.load(work)
            assert result["status"] == "error", (name, result)
            assert result["type"] == "IndexCorruptError", (name, result)
            assert "The vector index cannot be read" in result["message"], (name, result)


def _npz(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, codes=array)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda g: _edit_manifest(g, _huge_count), id="a count past every int"),
        pytest.param(lambda g: (g / store.TOKENS).write_bytes(b""), id="an empty file"),
        pytest.param(
            lambda g: (g / store.TOKENS).write_bytes(_npz(np.zeros((2, 64), np.int8))),
            id="an .npz archive under the .npy name",
        ),
        pytest.param(
            lambda g: (g / store.TOKEN_SCALES).write_bytes(
                _npy(np.full(np.load(g / store.TOKEN_SCALES).shape, np.nan, np.float32))
            ),
            id="scales that are NaN",
        ),
    ],
)
def test_forged_token_files_behind_resealed_checksums_are_refused_by_name(
    two_saves: Path, fake_encoder: object, forge: Callable[[Path], None]
) -> None:
    """Checksums redone by whoever forged the files: the parser must still refuse them
    with the named error, never crash or quote with broken scores."""
    generation = two_saves / "gen-000002"
    forge(generation)
    harness.reseal(generation)
    with pytest.raises(IndexCorruptError, match=r"inconsistent"):
        Assistant.load(two_saves, embedder=fake_encoder)  # type: ignore[arg-type]


def _huge_count(manifest: dict[str, Any]) -> None:
    manifest["documents"][0]["token_counts"][0] = 10**30
