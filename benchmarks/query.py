"""Query latency of `Assistant.ask`, warm, and the share of it spent in the model.

Latency runs use an embedder with its question cache off, so every ask pays for its
model call: a benchmark that hits the cache measures a dictionary lookup. The time inside
the model is recorded by a thin proxy around the encoder, so the pipeline's own cost
(retrieval, fusion, answer selection) is the difference, whatever the pipeline does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, Stats
from embeddings import TextEncoder
from qa import Assistant

ARTICLE_QUESTIONS = ROOT / "tests" / "data" / "article_questions.jsonl"


class TimedEncoder:
    """Delegates to an encoder and records how long each `encode_query` took."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.query_seconds: list[float] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def weights_sha256(self) -> str:
        return self.inner.weights_sha256

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self.inner.encode(texts, show_progress=show_progress)

    def encode_query(self, text: str) -> np.ndarray:
        started = time.perf_counter()
        vector = self.inner.encode_query(text)
        self.query_seconds.append(time.perf_counter() - started)
        return vector


@dataclass(frozen=True)
class AskLatency:
    """`ask` latency, the model call's inside it, and the floor measured alongside."""

    ask: Stats
    model: Stats
    floor: Stats | None = None

    @property
    def pipeline_p50_ms(self) -> float:
        """Median time outside the model call (per ask, median of the differences)."""
        return self.ask.p50_ms - self.model.p50_ms


def article_questions(path: Path = ARTICLE_QUESTIONS) -> list[str]:
    """The hand-written questions about the bundled article (answerable or not)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def ask_latency(
    assistant: Assistant, encoder: TimedEncoder, questions: list[str], *, passes: int = 1
) -> AskLatency:
    """Ask every question `passes` times (after 3 warm-up asks); latency of each part."""
    for question in questions[:3]:
        assistant.ask(question)
    encoder.query_seconds.clear()
    samples = []
    for _ in range(passes):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            samples.append(time.perf_counter() - started)
    return AskLatency(Stats.of(samples), Stats.of(encoder.query_seconds))


@dataclass(frozen=True)
class Contender:
    """One configuration in an interleaved latency run."""

    assistant: Assistant
    encoder: TimedEncoder
    floor: Callable[[], object]  # one bare forward pass on a short question


def interleaved_latency(
    contenders: dict[str, Contender], questions: list[str], *, passes: int = 1
) -> dict[str, AskLatency]:
    """Each question asked of every contender in turn, each ask next to a floor call.

    Why interleave: on a shared machine the load changes by the minute, and a floor taken
    before the asks would compare two different machines. Taken side by side, the ratio
    of `ask` to the floor survives the noise that moves both.
    """
    for contender in contenders.values():
        for question in questions[:3]:
            contender.assistant.ask(question)
            contender.floor()
        contender.encoder.query_seconds.clear()
    asks: dict[str, list[float]] = {name: [] for name in contenders}
    floors: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(passes):
        for question in questions:
            for name, contender in contenders.items():
                started = time.perf_counter()
                contender.floor()
                floors[name].append(time.perf_counter() - started)
                started = time.perf_counter()
                contender.assistant.ask(question)
                asks[name].append(time.perf_counter() - started)
    return {
        name: AskLatency(
            Stats.of(asks[name]), Stats.of(c.encoder.query_seconds), Stats.of(floors[name])
        )
        for name, c in contenders.items()
    }
