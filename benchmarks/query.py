"""Query latency of `Assistant.ask`, warm, and the share of it spent in the model.

Latency runs use an embedder whose question cache holds one question: every new question
pays for its model call (a benchmark that hits the cache measures a dictionary lookup),
while the question's token vectors come from that same pass, as in the product. The time inside
the model is recorded by a thin proxy around the encoder, so the pipeline's own cost
(retrieval, fusion, answer selection) is the difference, whatever the pipeline does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks.common import ROOT, Stats
from embeddings import TextEncoder
from embeddings.tokens import TokenEncoder, TokenVectors
from qa import Assistant

ARTICLE_QUESTIONS = ROOT / "tests" / "data" / "article_questions.jsonl"
T = TypeVar("T")


class TimedEncoder:
    """Delegates to an encoder and records the model time of each question.

    `query_seconds` holds one entry per question: calls for the same text in a row
    (`encode_query`, then `query_tokens` for word-level matching) add to one entry, so
    the figure is a question's model cost, however many calls it is split into.
    """

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.query_seconds: list[float] = []
        self._last_text: str | None = None

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
        return self._timed(text, self.inner.encode_query)

    def _timed(self, text: str, call: Callable[[str], T]) -> T:
        started = time.perf_counter()
        out = call(text)
        seconds = time.perf_counter() - started
        if text == self._last_text and self.query_seconds:
            self.query_seconds[-1] += seconds
        else:
            self.query_seconds.append(seconds)
            self._last_text = text
        return out


class TimedTokenEncoder(TimedEncoder):
    """A TimedEncoder that also passes on token vectors, so the answer stage's word-level
    matching runs as it does with the bare encoder (a proxy without these methods would
    silently switch it off)."""

    def encode_with_tokens(
        self, texts: Sequence[str], *, show_progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        return self.inner.encode_with_tokens(texts, show_progress=show_progress)  # type: ignore[attr-defined, no-any-return]

    def query_tokens(self, text: str) -> TokenVectors:
        return self._timed(text, self.inner.query_tokens)  # type: ignore[attr-defined]


def timed(inner: TextEncoder) -> TimedEncoder:
    """The timing proxy for `inner`, offering token vectors exactly when `inner` does."""
    return TimedTokenEncoder(inner) if isinstance(inner, TokenEncoder) else TimedEncoder(inner)


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
