"""An ONNX Runtime encoder for a local sentence-transformers model, exported once and cached.

Why not sentence-transformers' own `backend="onnx"`: it goes through optimum-onnx, whose
current release requires transformers < 4.58 and fails to import its exporter against
the transformers 5 this project runs on. The export here is torch's own ONNX exporter
over the model's transformer, and inference is ONNX Runtime plus the mean pooling and
normalisation the bundled model's pipeline does (checked against torch to 1e-5).

The export is written under a cache directory keyed by the weights' SHA-256, so a changed
model never reuses a stale graph, and nothing is downloaded. The int8 variant is ONNX
Runtime's dynamic quantisation (per-channel weights), made from the fp32 export.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.errors import ModelNotAvailableError
from embeddings.quiet import quiet_loading
from embeddings.tokens import TokenVectors, token_vectors

CACHE_ENV_VAR = "QA_CACHE_DIR"
ONNX_VARIANTS: dict[str, str] = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OPSET = 17


def padded_feed(encodings: Sequence[Any]) -> dict[str, np.ndarray]:
    """A BERT model's inputs for a batch of tokenizer encodings, zero-padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    feed = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in _INPUTS}
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        feed["input_ids"][row, :n] = encoding.ids
        feed["attention_mask"][row, :n] = encoding.attention_mask
        feed["token_type_ids"][row, :n] = encoding.type_ids
    return feed


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where exports live: `cache_dir`, else $QA_CACHE_DIR, else ~/.cache/qa-assistant."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env) if env else Path.home() / ".cache" / "qa-assistant"


def export_path(root: Path, key: str, variant: str) -> Path:
    """The file of one export: ROOT/onnx/<first 16 hex of the weights hash>/<variant file>."""
    if variant not in ONNX_VARIANTS:
        raise ValueError(
            f"ONNX variant must be one of {', '.join(ONNX_VARIANTS)}; got {variant!r}."
        )
    return root / "onnx" / key[:16] / ONNX_VARIANTS[variant]


@dataclass(frozen=True)
class PipelineConfig:
    """What the sentence-transformers pipeline around the transformer does."""

    max_seq_length: int
    dimension: int


def read_pipeline(model_dir: Path) -> PipelineConfig:
    """The sequence limit and output size of a Transformer -> mean Pooling -> Normalize model.

    Raises:
        ModelNotAvailableError: the model's pipeline is one this encoder does not reproduce.
    """
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(model_dir / m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        bert = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, KeyError, StopIteration, json.JSONDecodeError) as err:
        raise ModelNotAvailableError(
            f"{model_dir} is not a sentence-transformers model the ONNX backend can read "
            f"({type(err).__name__}: {err}); use backend='torch'."
        ) from err
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        value
        for key, value in pooling.items()
        if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens"
    )
    if kinds[:2] != ["Transformer", "Pooling"] or not mean_only:
        raise ModelNotAvailableError(
            f"The ONNX backend reproduces Transformer -> mean Pooling (-> Normalize) models; "
            f"{model_dir} has modules {kinds} and pooling {pooling}. Use backend='torch'."
        )
    return PipelineConfig(
        int(bert.get("max_seq_length", 256)), int(pooling["word_embedding_dimension"])
    )


def ensure_export(model_dir: Path, key: str, variant: str, root: Path) -> Path:
    """The cached ONNX file for `variant`, exporting (and quantising) it first if missing.

    Writes go to a temporary name and are renamed into place, so two processes exporting at
    once, or one killed mid-export, never leave a half-written model behind.
    """
    target = export_path(root, key, variant)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = export_path(root, key, "onnx")
    if not fp32.is_file():
        _atomic(fp32, lambda tmp: _export_fp32(model_dir, tmp))
    if variant == "onnx-int8":
        _atomic(target, lambda tmp: _quantise(fp32, tmp))
    return target


def _atomic(target: Path, write: Any) -> None:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes it private; the cache is as readable as the model
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses and
    # quantises well; the SDPA path traces shape checks into the graph.
    with quiet_loading():
        model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad(), quiet_loading():
        torch.onnx.export(
            Hidden(model),
            (sample, sample, torch.zeros_like(sample)),
            str(out),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,
        )


def _quantise(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights keep cosine to the fp32 vectors at ~0.99; per-tensor fell to ~0.93.
    quantize_dynamic(source, out, weight_type=QuantType.QInt8, per_channel=True)


class OnnxSentenceEncoder:
    """Transformer in ONNX Runtime, then mean pooling and L2 normalisation, like the original.

    Two sessions over the same file: a single-thread one for one-text calls (a question),
    where a second thread mostly waits for a busy core, and one with `batch_threads` for
    many texts. The batch session loads on the first batch call.

    Args:
        model_dir: the sentence-transformers model (its tokenizer.json and configs are read).
        onnx_file: the exported graph.
        batch_threads: ONNX Runtime intra-op threads for batches; None: all cores.
    """

    def __init__(
        self, model_dir: Path, onnx_file: Path, *, batch_threads: int | None = None
    ) -> None:
        try:
            import onnxruntime  # noqa: F401
            from tokenizers import Tokenizer
        except ImportError as err:
            raise ModelNotAvailableError(
                "The ONNX backend needs onnxruntime: `pip install onnxruntime onnx`, or use "
                "backend='torch'."
            ) from err
        self.config = read_pipeline(model_dir)
        self.onnx_file = onnx_file
        self.batch_threads = batch_threads
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.config.max_seq_length)
        self._tokenizer.no_padding()
        self._single = self._session(1)
        self._batch: Any = None

    def _session(self, threads: int | None) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default, all cores
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(
            str(self.onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def get_sentence_embedding_dimension(self) -> int:
        return self.config.dimension

    def encode(
        self,
        sentences: Sequence[str],
        *,
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        show_progress_bar: bool = False,
        convert_to_numpy: bool = True,
    ) -> np.ndarray:
        """float32 (len(sentences), dimension); the subset of SentenceTransformer.encode we use."""
        out, _ = self._run(list(sentences), batch_size, show_progress_bar, tokens=False)
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, 1e-12)
        return out

    def encode_with_tokens(
        self, sentences: Sequence[str], *, batch_size: int = 32, show_progress_bar: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        """Unit pooled vectors and each text's token vectors, from one pass."""
        out, tokens = self._run(list(sentences), batch_size, show_progress_bar, tokens=True)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out, tokens

    def _run(
        self, texts: list[str], batch_size: int, show_progress_bar: bool, *, tokens: bool
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        """Texts are sorted by length before batching, as sentence-transformers does, so a
        batch pads to similar lengths; rows come back in the order given."""
        out = np.zeros((len(texts), self.config.dimension), dtype=np.float32)
        per_text: list[TokenVectors | None] = [None] * len(texts)
        if not texts:
            return out, []
        if len(texts) > 1 and self._batch is None:
            self._batch = self._session(self.batch_threads)
        session = self._single if len(texts) == 1 else self._batch
        order = np.argsort([-len(t) for t in texts], kind="stable")
        starts = range(0, len(texts), batch_size)
        if show_progress_bar:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            rows = order[start : start + batch_size]
            pooled, pieces = self._forward(session, [texts[i] for i in rows], tokens=tokens)
            out[rows] = pooled
            if tokens:
                for row, piece in zip(rows, pieces, strict=True):
                    per_text[row] = piece
        return out, [p for p in per_text if p is not None]

    def _forward(
        self, session: Any, texts: list[str], *, tokens: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        encodings = self._tokenizer.encode_batch(texts)
        feed = padded_feed(encodings)
        hidden = session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        if not tokens:
            return pooled, []
        pieces = [
            token_vectors(hidden[row, : len(e.ids)], e.offsets, e.special_tokens_mask)
            for row, e in enumerate(encodings)
        ]
        return pooled, pieces
