"""Saving and loading: a directory of plain files (JSON, .npy, FAISS, never pickle) that
gives back the same answers, and refuses a model or dimension other than its own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from embeddings import TextEncoder
from qa import (
    Assistant,
    IndexLockedError,
    IndexMismatchError,
    ModelNotAvailableError,
    Settings,
    StoreError,
)
from qa.answer.compose import NO_DOCUMENTS_TEXT
from qa.chunking import ChunkingConfig
from qa.store import FORMAT_VERSION, read_manifest, write_lock

QUESTIONS = [
    "What did Putin say about external forces?",
    "Which organization do the Presidents intend to use?",
    "What is the recipe for lemon meringue pie?",
]


class RenamedEncoder:
    """Wraps an encoder under another name / weights hash, as a different model would be."""

    def __init__(self, inner: TextEncoder, name: str, weights_sha256: str) -> None:
        self.inner = inner
        self.name = name
        self.weights_sha256 = weights_sha256
        self.dimension = inner.dimension
        self.encode = inner.encode
        self.encode_query = inner.encode_query


Factory = Callable[..., TextEncoder]


@pytest.fixture
def fake(make_fake_encoder: Factory) -> Factory:
    """fake() makes a 64-dimensional FakeEncoder like the one that built the saved index."""

    def make(dimension: int = 64) -> TextEncoder:
        return make_fake_encoder(dimension)

    return make


@pytest.fixture
def saved(fake_assistant: Assistant, tmp_path: Path) -> Path:
    directory = tmp_path / "index"
    fake_assistant.save(directory)
    return directory


# ----- round trip -------------------------------------------------------------------------
def test_a_loaded_index_gives_the_same_answers(
    fake_assistant: Assistant, saved: Path, fake: Factory
) -> None:
    loaded = Assistant.load(saved, embedder=fake())

    for question in QUESTIONS:
        before, after = fake_assistant.ask(question), loaded.ask(question)
        assert after.text == before.text
        assert after.found == before.found
        assert after.confidence == pytest.approx(before.confidence)
        assert [(s.doc_id, s.start, s.end, s.answer_start) for s in after.sources] == [
            (s.doc_id, s.start, s.end, s.answer_start) for s in before.sources
        ]


def test_a_loaded_index_has_the_same_documents(
    fake_assistant: Assistant, saved: Path, fake: Factory
) -> None:
    loaded = Assistant.load(saved, embedder=fake())

    assert loaded.documents == fake_assistant.documents
    assert loaded.collection.passage_count == fake_assistant.collection.passage_count


def test_a_loaded_index_can_grow_without_id_clashes(saved: Path, fake: Factory) -> None:
    loaded = Assistant.load(saved, embedder=fake())
    [added] = loaded.add_documents(["Otters hold hands while they sleep."])

    [best] = loaded.search("otters sleep", k=1)

    assert best.doc_id == added
    assert best.text == "Otters hold hands while they sleep."
    assert len(loaded.search("Putin otters", k=100)) == loaded.collection.passage_count


def test_a_removed_document_stays_removed_after_a_save_and_load(
    fake_assistant: Assistant, tmp_path: Path, fake: Factory
) -> None:
    [otters] = fake_assistant.add_documents(["Otters hold hands.\n\nThey keep a stone."])
    fake_assistant.remove_document(fake_assistant.documents[0].id)
    fake_assistant.save(tmp_path / "index")

    loaded = Assistant.load(tmp_path / "index", embedder=fake())

    assert [d.id for d in loaded.documents] == [otters]
    assert {s.doc_id for s in loaded.search("Putin otters stone", k=10)} == {otters}


def test_the_saved_chunking_settings_win_over_the_ones_passed_to_load(
    tmp_path: Path, fake: Factory
) -> None:
    chunking = ChunkingConfig(max_chars=300, overlap_sentences=0, max_sentence_chars=300)
    original = Assistant.default(embedder=fake(), settings=Settings(chunking=chunking))
    original.save(tmp_path / "index")

    loaded = Assistant.load(tmp_path / "index", embedder=fake())

    assert loaded.settings.chunking == chunking
    assert loaded.collection.passage_count == original.collection.passage_count


def test_an_empty_assistant_saves_and_loads(tmp_path: Path, fake: Factory) -> None:
    Assistant(fake()).save(tmp_path / "empty")

    loaded = Assistant.load(tmp_path / "empty", embedder=fake())

    assert loaded.documents == []
    assert loaded.ask("Anything?").text == NO_DOCUMENTS_TEXT


# ----- what is on disk ------------------------------------------------------------------
def test_a_save_writes_a_generation_named_by_current(saved: Path) -> None:
    assert (saved / "CURRENT").read_text() == "gen-000001\n"
    assert sorted(p.name for p in (saved / "gen-000001").iterdir()) == [
        "documents.jsonl",
        "manifest.json",
        "passages.faiss",
        "sentences.npy",
        "token_scales.npy",
        "tokens.npy",
    ]


def test_saving_again_keeps_the_previous_generation_and_prunes_older_ones(
    fake_assistant: Assistant, saved: Path
) -> None:
    second = fake_assistant.save(saved)
    third = fake_assistant.save(saved)

    assert second == saved / "gen-000002"
    assert third == saved / "gen-000003"
    assert (saved / "CURRENT").read_text() == "gen-000003\n"
    assert sorted(p.name for p in saved.glob("gen-*")) == ["gen-000002", "gen-000003"]


def test_the_manifest_records_model_settings_documents_and_passages(
    fake_assistant: Assistant, saved: Path
) -> None:
    generation, manifest = read_manifest(saved)
    [document] = fake_assistant.documents

    assert manifest["format"] == "qa-assistant-index"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {
        "name": "fake-hashing-encoder",
        "weights_sha256": "0" * 64,
        "dimension": 64,
    }
    assert manifest["chunking"] == ChunkingConfig().to_dict()
    assert manifest["lexical"] == {"k1": 1.2, "b": 0.75, "stem": True, "drop_stopwords": True}
    assert manifest["vector_index"] == {
        "type": "IDMap2,Flat,IP",
        "spec": {"kind": "flat", "nlist": 0, "nprobe": 0, "trained_on": 0},
        "count": 6,
    }
    [saved_document] = manifest["documents"]
    assert saved_document["id"] == document.id
    assert saved_document["title"] == document.title
    assert saved_document["source"] == document.source
    assert saved_document["length"] == len(document.text)
    assert saved_document["sha256"] == hashlib.sha256(document.text.encode()).hexdigest()
    assert len(saved_document["sentences"]) == 17
    columns = ["vector_id", "doc_id", "index", "start", "end", "first", "last"]
    assert manifest["chunks_columns"] == columns
    assert [row[1] for row in manifest["chunks"]] == [document.id] * 6
    for name, facts in manifest["files"].items():
        data = (generation / name).read_bytes()
        assert facts == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def test_no_file_is_a_pickle(fake_assistant: Assistant, saved: Path) -> None:
    generation, _ = read_manifest(saved)
    files = [p for p in saved.rglob("*") if p.is_file()]

    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".joblib", ".pt", ".bin"}]
    for path in files:
        assert not path.read_bytes().startswith(b"\x80"), f"{path} starts like a pickle"
    vectors = np.load(generation / "sentences.npy", allow_pickle=False)
    assert vectors.shape == (17, 64) and vectors.dtype == np.float32
    lines = (generation / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"id": d.id, "text": d.text} for d in fake_assistant.documents
    ]


# ----- refusals ---------------------------------------------------------------------------
def test_loading_with_another_dimension_is_refused_naming_both(saved: Path, fake: Factory) -> None:
    message = (
        r"built with model 'fake-hashing-encoder' \(dimension 64\), but the current model is "
        r"'fake-hashing-encoder' \(dimension 32\)"
    )
    with pytest.raises(IndexMismatchError, match=message):
        Assistant.load(saved, embedder=fake(32))


def test_loading_with_another_model_is_refused_naming_both(saved: Path, fake: Factory) -> None:
    other = RenamedEncoder(fake(), "other-encoder", "0" * 64)

    message = (
        r"built with model 'fake-hashing-encoder' \(dimension 64\), but the current model is "
        r"'other-encoder' \(dimension 64\)\. Load it with model='fake-hashing-encoder'"
    )
    with pytest.raises(IndexMismatchError, match=message):
        Assistant.load(saved, embedder=other)


def test_loading_with_other_weights_under_the_same_name_is_refused(
    saved: Path, fake: Factory
) -> None:
    retrained = RenamedEncoder(fake(), "fake-hashing-encoder", "1" * 64)

    message = rf"whose weights have SHA-256 {'0' * 64}, but the current model .* has {'1' * 64}"
    with pytest.raises(IndexMismatchError, match=message):
        Assistant.load(saved, embedder=retrained)


def test_a_directory_without_an_index_is_refused(tmp_path: Path, fake: Factory) -> None:
    with pytest.raises(StoreError, match=r"No saved index in .*empty \(there is no CURRENT file\)"):
        Assistant.load(tmp_path / "empty", embedder=fake())


def test_an_index_of_a_newer_format_is_refused_with_both_versions(
    saved: Path, fake: Factory
) -> None:
    generation, manifest = read_manifest(saved)
    manifest["format_version"] = FORMAT_VERSION + 1
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    newer = FORMAT_VERSION + 1
    message = rf"has format version {newer}; this program reads version {FORMAT_VERSION}"
    with pytest.raises(StoreError, match=message):
        Assistant.load(saved, embedder=fake())


def test_model_and_embedder_together_are_refused(saved: Path, fake: Factory) -> None:
    with pytest.raises(ValueError, match=r"Pass either model= or embedder=, not both\."):
        Assistant.load(saved, model="all-MiniLM-L6-v2", embedder=fake())


def test_a_save_while_another_writer_holds_the_directory_is_refused(
    fake_assistant: Assistant, saved: Path
) -> None:
    with write_lock(saved), pytest.raises(IndexLockedError, match="Another process is writing"):
        fake_assistant.save(saved)


@pytest.mark.slow
def test_an_index_whose_model_is_not_on_this_machine_cannot_be_opened(saved: Path) -> None:
    message = "'fake-hashing-encoder' cannot be loaded offline"
    with pytest.raises(ModelNotAvailableError, match=message):
        Assistant.load(saved)


@pytest.mark.slow
def test_an_index_built_with_the_bundled_model_reopens_by_its_recorded_name(
    real_assistant: Assistant, tmp_path: Path
) -> None:
    real_assistant.save(tmp_path / "index")

    loaded = Assistant.load(tmp_path / "index")  # no model named: the manifest's is used

    assert loaded.embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    question = "What did Putin say about external forces?"
    assert loaded.ask(question).text == real_assistant.ask(question).text


def test_a_documents_blocks_and_site_name_survive_save_and_load(
    fake_encoder: TextEncoder, files_dir: Path, tmp_path: Path
) -> None:
    built = Assistant(fake_encoder)
    built.add_documents([files_dir / "docs_page.html"])
    built.save(tmp_path / "index")

    loaded = Assistant.load(tmp_path / "index", embedder=fake_encoder)

    (before,) = built.collection.documents
    (after,) = loaded.collection.documents
    assert after.blocks == before.blocks and len(after.blocks) > 5
    assert after.site == "Beekeeper 2.1 documentation"


def test_a_saved_block_outside_its_document_is_refused_as_corrupt() -> None:
    from qa.store.contents import blocks_from_json

    info = {"id": "d", "paths": [[]], "blocks": [["paragraph", 0, 99, 0, 0, 0]]}
    with pytest.raises(ValueError, match="outside its document"):
        blocks_from_json(info, 10)
    with pytest.raises(ValueError, match="heading path 3"):
        blocks_from_json({"id": "d", "paths": [], "blocks": [["paragraph", 0, 5, 0, 3, 0]]}, 10)
    with pytest.raises(ValueError, match="Block kind"):
        blocks_from_json({"id": "d", "paths": [[]], "blocks": [["banner", 0, 5, 0, 0, 0]]}, 10)
