"""The floor: one forward pass of the model on a short question, the least a query costs.

Measured on the model object itself (sentence-transformers' or our ONNX encoder's
`encode` of one text), so tokenising is included but nothing of ours is. Torch is
measured with 1 and 2 threads because on a small shared machine the second thread often
waits for a core; ONNX Runtime sessions for one text are single-threaded by design.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.common import Stats, time_calls
from embeddings import Embedder
from embeddings.embedder import _torch_threads

SHORT_QUESTION = "What did Putin say about external forces?"


def floor_call(embedder: Embedder, question: str = SHORT_QUESTION) -> Callable[[], object]:
    """One bare forward pass on `question`, with the thread setting queries use."""
    model = embedder.warm_up()
    threads = embedder.query_threads if embedder.backend == "torch" else None

    def once() -> object:
        with _torch_threads(threads):
            return model.encode(
                [question], batch_size=1, normalize_embeddings=True, convert_to_numpy=True
            )

    return once


def thread_floors(embedder: Embedder, *, repeats: int = 100) -> dict[str, Stats]:
    """Torch floor with 1 and with 2 threads, alternating call by call (same load for both)."""
    model = embedder.warm_up()
    samples: dict[str, list[float]] = {"1": [], "2": []}
    for round_ in range(repeats + 5):
        for threads in ("1", "2"):
            with _torch_threads(int(threads)):
                started = time.perf_counter()
                model.encode([SHORT_QUESTION], batch_size=1, normalize_embeddings=True)
                if round_ >= 5:
                    samples[threads].append(time.perf_counter() - started)
    return {threads: Stats.of(values) for threads, values in samples.items()}


@dataclass(frozen=True)
class Floor:
    backend: str
    threads: int
    stats: Stats


def measure_floor(
    embedder: Embedder, *, threads: int = 1, repeats: int = 200, question: str = SHORT_QUESTION
) -> Floor:
    """Median of `repeats` single-question forward passes through `embedder`'s model."""
    model = embedder.warm_up()

    def once(text: str) -> object:
        return model.encode([text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True)

    torch_threads = threads if embedder.backend == "torch" else None
    with _torch_threads(torch_threads):
        stats = time_calls(once, [question] * repeats, warmup=10)
    return Floor(embedder.backend, threads if embedder.backend == "torch" else 1, stats)
