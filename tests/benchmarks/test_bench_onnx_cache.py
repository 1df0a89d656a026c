"""The ONNX export is made once per model (keyed by its weights' hash) and then reused.

Exporting and quantising are replaced by stubs that write a marker file, so these tests
run in milliseconds; the slow test at the end exports the real bundled model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import Embedder, ModelNotAvailableError
from embeddings import onnx as onnx_module
from embeddings.embedder import bundled_model_dir
from embeddings.onnx import cache_root, ensure_export, export_path, read_pipeline

KEY = "ab" * 32


@pytest.fixture
def stub_export(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"export": 0, "quantise": 0}

    def export(model_dir: Path, out: Path) -> None:
        calls["export"] += 1
        out.write_bytes(b"fp32")

    def quantise(source: Path, out: Path) -> None:
        calls["quantise"] += 1
        out.write_bytes(b"int8 of " + source.read_bytes())

    monkeypatch.setattr(onnx_module, "_export_fp32", export)
    monkeypatch.setattr(onnx_module, "_quantise", quantise)
    return calls


def test_exports_live_under_the_weights_hash(tmp_path: Path) -> None:
    assert export_path(tmp_path, KEY, "onnx") == tmp_path / "onnx" / KEY[:16] / "model.onnx"
    assert export_path(tmp_path, KEY, "onnx-int8").name == "model_int8.onnx"


def test_an_unknown_variant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="variant must be one of onnx, onnx-int8; got 'fp16'"):
        export_path(tmp_path, KEY, "fp16")


def test_the_cache_directory_comes_from_the_argument_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "env"))

    assert cache_root(tmp_path / "arg") == tmp_path / "arg"
    assert cache_root() == tmp_path / "env"


def test_a_model_is_exported_once_then_reused(tmp_path: Path, stub_export: dict[str, int]) -> None:
    first = ensure_export(tmp_path / "model", KEY, "onnx", tmp_path)
    second = ensure_export(tmp_path / "model", KEY, "onnx", tmp_path)

    assert first == second and first.read_bytes() == b"fp32"
    assert stub_export == {"export": 1, "quantise": 0}


def test_int8_is_quantised_from_the_cached_fp32_export(
    tmp_path: Path, stub_export: dict[str, int]
) -> None:
    ensure_export(tmp_path / "model", KEY, "onnx", tmp_path)

    int8 = ensure_export(tmp_path / "model", KEY, "onnx-int8", tmp_path)
    ensure_export(tmp_path / "model", KEY, "onnx-int8", tmp_path)

    assert int8.read_bytes() == b"int8 of fp32"
    assert stub_export == {"export": 1, "quantise": 1}


def test_another_model_hash_gets_its_own_export(
    tmp_path: Path, stub_export: dict[str, int]
) -> None:
    ensure_export(tmp_path / "model", KEY, "onnx", tmp_path)
    ensure_export(tmp_path / "model", "cd" * 32, "onnx", tmp_path)

    assert stub_export["export"] == 2


def test_a_failed_export_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(model_dir: Path, out: Path) -> None:
        out.write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(onnx_module, "_export_fp32", broken)

    with pytest.raises(RuntimeError, match="exporter crashed"):
        ensure_export(tmp_path / "model", KEY, "onnx", tmp_path)
    assert list((tmp_path / "onnx" / KEY[:16]).iterdir()) == []


def test_the_bundled_model_pipeline_is_read_from_its_configs() -> None:
    config = read_pipeline(bundled_model_dir())

    assert (config.max_seq_length, config.dimension) == (256, 384)


def test_a_directory_without_a_sentence_transformers_pipeline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="use backend='torch'"):
        read_pipeline(tmp_path)


def test_the_embedder_names_its_backends() -> None:
    with pytest.raises(ValueError, match="backend must be one of torch, onnx, onnx-int8"):
        Embedder(backend="tensorrt")
    with pytest.raises(ValueError, match="batch_threads must be at least 1"):
        Embedder(batch_threads=0)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "least_cosine"), [("onnx", 0.9999), ("onnx-int8", 0.97)])
def test_onnx_vectors_match_torch(
    tmp_path: Path, real_embedder: Embedder, backend: str, least_cosine: float
) -> None:
    pytest.importorskip(
        "onnxruntime", reason="the ONNX backends need `pip install onnxruntime onnx`"
    )
    pytest.importorskip("onnx", reason="exporting needs `pip install onnx`")
    texts = ["What did Putin say about external forces?", "The battery stores ten kWh.", "x"]
    onnx = Embedder(backend=backend, cache_dir=tmp_path)

    cosines = np.sum(onnx.encode(texts) * real_embedder.encode(texts), axis=1)

    assert cosines.min() >= least_cosine
    assert np.allclose(onnx.encode_query(texts[0]), onnx.encode(texts[:1])[0], atol=1e-5)
    assert export_path(tmp_path, real_embedder.weights_sha256, backend).is_file()
