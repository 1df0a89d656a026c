"""The trained reader at question time: how likely each candidate sentence answers, and where.

The weights are ours (trained by `python -m training.reader`, see docs/reader.md) and ship in
the package as fp16 safetensors, checked against a pinned SHA-256 before anything is built
from them. The network runs in ONNX Runtime, exported once from those weights into the
same cache as the embedder's export (keyed by the weights' hash); torch runs it while the
export is unavailable. All candidates of one question go through in one batch.

Turn it off with `QA_READER=off` (or `Assistant(..., reader=None)`): answering then falls
back to the sentence model that needs no second network.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.embedder import file_sha256
from embeddings.onnx import padded_feed
from qa.answer.reader_input import InputShape, ReaderInput, encode_pair, shape_from_metadata
from qa.errors import ModelIntegrityError, ModelNotAvailableError
from qa.types import Reading, SentenceReader

READER_FILE = Path(__file__).resolve().parents[1] / "data" / "reader" / "reader.safetensors"
READER_SHA256 = "221569c7b916a630c3ef495e935dd5b5c972d05592fcdf0ca1d92a0a5a3dbbc8"
READER_ENV_VAR = "QA_READER"
MAX_PHRASE_TOKENS = 30
INT8_GRAPH = "reader.int8.onnx"
RECENT_READINGS = 512  # (question, sentence) readings kept for a repeat within a question
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUTS = ("relevance", "start", "end")
__all__ = ["Reader", "Reading", "SentenceReader", "default_reader", "reader_enabled"]


def length_batches(lengths: Sequence[int], fill: float = 0.6) -> list[list[int]]:
    """Rows grouped into batches of similar length, longest first.

    A batch is padded to its longest row and costs about rows x that length; a command of
    12 tokens padded to a paragraph's 120 costs ten times its own. A new batch starts when
    a row would be under `fill` of its batch's longest.
    """
    order = sorted(range(len(lengths)), key=lambda row: -lengths[row])
    batches: list[list[int]] = []
    for row in order:
        if batches and lengths[row] >= fill * lengths[batches[-1][0]]:
            batches[-1].append(row)
        else:
            batches.append([row])
    return batches


def _reader_setting() -> str:
    return os.environ.get(READER_ENV_VAR, "on").strip().lower()


def reader_enabled() -> bool:
    """False when the user turned the reader off with QA_READER=off (or 0/false/no)."""
    return _reader_setting() not in {"off", "0", "false", "no"}


def default_reader() -> Reader | None:
    """The shipped reader, or None when QA_READER turns it off; it loads on first use.

    QA_READER=int8 runs the int8 graph (docs/benchmarks.md, "The reader in int8").
    """
    if not reader_enabled():
        return None
    return Reader(quantised=_reader_setting() == "int8")


class Reader:
    """The shipped reader; loads on first use (or `warm_up()`), never in the constructor.

    Args:
        weights: the safetensors file (default: the shipped one).
        sha256: its expected checksum (default: the pinned one).
        backend: "onnx" (default) or "torch".
        cache_dir: where the ONNX export is kept (default: the embedder's cache).
        threads: ONNX Runtime threads; None: all cores.
        quantised: run an int8 copy of the ONNX graph (weights quantised per channel,
            made once beside the fp32 export): about 3x faster and a quarter of the size,
            at a small cost in accuracy (docs/benchmarks.md). Needs the ONNX backend.
    """

    def __init__(
        self,
        weights: Path = READER_FILE,
        *,
        sha256: str = READER_SHA256,
        backend: str = "onnx",
        cache_dir: Path | None = None,
        threads: int | None = None,
        quantised: bool = False,
    ) -> None:
        if backend not in ("onnx", "torch"):
            raise ValueError(f"backend must be 'onnx' or 'torch', got {backend!r}.")
        self.weights = Path(weights)
        self.sha256 = sha256
        self.backend = backend
        self.cache_dir = cache_dir
        self.threads = threads
        self.quantised = quantised
        self._lock = threading.Lock()
        # Recent readings by (question, sentence, context): a list or comparison question scores its
        # candidates again over deeper passages, and those overlap the first shortlist.
        self._recent: OrderedDict[tuple[str, str, str], Reading] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._run: Any = None
        self._tokenizer: Any = None
        # What runs the network once loaded: "onnx", "onnx-int8", or "torch" (asked for, or
        # the fallback when ONNX Runtime is missing or the export failed); None before use.
        self.runtime: str | None = None
        # The ONNX graph that runs (fp32 or int8), once loaded with ONNX Runtime.
        self.graph: Path | None = None
        # How the weights read their input (recorded in the file); None before loading.
        self.shape: InputShape | None = None

    def warm_up(self) -> None:
        """Check the weights and build the network now rather than at the first question."""
        with self._lock:
            if self._run is None:
                self._load()

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        """One Reading per sentence, in order; one forward pass for those not read lately.

        `contexts[i]` is the text just before `sentences[i]` in its document; a reader
        trained without context ignores it.
        """
        if contexts is not None and len(contexts) != len(sentences):
            raise ValueError(f"{len(contexts)} contexts for {len(sentences)} sentences")
        self.warm_up()
        shape = self.shape or InputShape()  # warm_up has set it
        keys = [
            (question, sentence, contexts[i] if contexts and shape.context_tokens else "")
            for i, sentence in enumerate(sentences)
        ]
        with self._recent_lock:
            known = {k: r for k in keys if (r := self._recent.get(k)) is not None}
        unread = list(dict.fromkeys(k for k in keys if k not in known))
        if unread:
            rows = [encode_pair(self._tokenizer, q, s, c, shape) for q, s, c in unread]
            readings: dict[int, Reading] = {}
            for batch_rows in length_batches([len(row.ids) for row in rows]):
                batch = [rows[at] for at in batch_rows]
                relevance, start, end = self._run(padded_feed(batch))
                for at, row in enumerate(batch_rows):
                    readings[row] = _reading(float(relevance[at]), start[at], end[at], rows[row])
            with self._recent_lock:
                for row, key in enumerate(unread):
                    known[key] = readings[row]
                    self._recent[key] = readings[row]
                while len(self._recent) > RECENT_READINGS:
                    self._recent.popitem(last=False)
        return [known[k] for k in keys]

    # ----- loading -----------------------------------------------------------------------
    def _load(self) -> None:
        from tokenizers import Tokenizer

        from embeddings.embedder import bundled_model_dir

        state, shape = self._verified_state()
        model_dir = bundled_model_dir()
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_truncation()  # rows are laid out (and cut) by encode_pair
        tokenizer.no_padding()
        run = None
        if self.backend == "onnx":
            run = self._onnx_runner(lambda: _torch_model(model_dir, state))
        runtime = "onnx" if run is not None else "torch"
        if run is not None and self.graph is not None and self.graph.name == INT8_GRAPH:
            runtime = "onnx-int8"
        if run is None:
            run = _torch_runner(_torch_model(model_dir, state))
        self._tokenizer = tokenizer
        self.shape = shape
        self._run = run
        self.runtime = runtime

    def _verified_state(self) -> tuple[dict[str, Any], InputShape]:
        """The weights and their input shape, read only after the checksum matched."""
        if not self.weights.is_file():
            raise ModelNotAvailableError(
                f"The reader's weights {self.weights} are missing; reinstall qa-assistant, "
                f"or set {READER_ENV_VAR}=off to answer without the reader."
            )
        actual = file_sha256(self.weights)
        if actual != self.sha256:
            raise ModelIntegrityError(
                f"The reader's weights {self.weights} have sha256 {actual}, expected "
                f"{self.sha256}: the file is damaged or was replaced. Reinstall qa-assistant, "
                f"or set {READER_ENV_VAR}=off."
            )
        from safetensors import safe_open
        from safetensors.torch import load_file

        try:
            with safe_open(str(self.weights), framework="pt") as handle:
                shape = shape_from_metadata(handle.metadata())
            return load_file(str(self.weights)), shape
        except Exception as err:  # safetensors raises its own error types
            raise ModelIntegrityError(
                f"The reader's weights {self.weights} cannot be read: {err}"
            ) from err

    def _onnx_runner(self, make_model: Any) -> Any:
        """An ONNX Runtime runner, exporting the graph first if the cache lacks it; None
        when ONNX Runtime is missing or the export fails (torch then runs the weights)."""
        try:
            import onnxruntime as ort
        except ImportError:
            return None
        from embeddings.onnx import cache_root

        target = cache_root(self.cache_dir) / "onnx-reader" / self.sha256[:16] / "reader.onnx"
        if not target.is_file():
            try:
                _export(make_model(), target)
            except Exception:  # an export failure leaves torch to run the same weights
                return None
        if self.quantised:
            # A failed quantisation leaves the fp32 graph: the same answers, only slower.
            with contextlib.suppress(Exception):
                target = _quantised(target)
        self.graph = target
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or 0
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])

        def run(feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            return list(session.run(list(_OUTPUTS), feed))

        return run


def _torch_model(model_dir: Path, state: dict[str, Any]) -> Any:
    from qa.answer.reader_model import build, load_shipped_state

    model = build(model_dir, eager=True)
    try:
        load_shipped_state(model, state)
    except ValueError as err:
        raise ModelIntegrityError(f"The reader's weights are {err}.") from err
    return model.eval()


def _torch_runner(model: Any) -> Any:
    import torch

    def run(feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        with torch.inference_mode():
            outputs = model(*(torch.from_numpy(feed[name]) for name in _INPUTS))
        return [o.float().numpy() for o in outputs]

    return run


def _export(model: Any, target: Path) -> None:
    import warnings

    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "start", "end")}
    axes["relevance"] = {0: "batch"}
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes are for exporter authors
            torch.onnx.export(
                model,
                (sample, sample, torch.zeros_like(sample)),
                tmp,
                input_names=list(_INPUTS),
                output_names=list(_OUTPUTS),
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        Path(tmp).chmod(0o644)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _quantised(source: Path) -> Path:
    """The int8 graph beside `source`, made once (written to a temporary file, then moved
    into place, so a process killed half-way leaves no broken graph)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = source.with_name(INT8_GRAPH)
    if target.is_file():
        return target
    handle, tmp = tempfile.mkstemp(dir=source.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        quantize_dynamic(source, tmp, weight_type=QuantType.QInt8, per_channel=True)
        Path(tmp).chmod(0o644)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _reading(logit: float, start: np.ndarray, end: np.ndarray, row: ReaderInput) -> Reading:
    """The best phrase: the highest start + end logit over the sentence's tokens."""
    allowed = row.sentence_tokens()
    if not allowed:
        return Reading(logit, (0, 0), -math.inf)
    starts = start[allowed].astype(np.float64)
    ends = end[allowed].astype(np.float64)
    scores = starts[:, None] + ends[None, :]
    n = len(allowed)
    rows, cols = np.indices((n, n))
    scores[(cols < rows) | (cols - rows >= MAX_PHRASE_TOKENS)] = -np.inf
    i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    normaliser = _logsumexp(starts) + _logsumexp(ends)
    offsets = row.offsets
    span = (int(offsets[allowed[i]][0]), int(offsets[allowed[j]][1]))
    return Reading(logit, span, float(scores[i, j] - normaliser))


def _logsumexp(values: np.ndarray) -> float:
    top = float(values.max())
    return top + math.log(float(np.exp(values - top).sum()))
