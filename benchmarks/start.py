"""Start-up: fresh processes, timed from spawn to the first answered request.

Each measurement is a new interpreter, as a user gets: nothing is warm but the OS file
cache (the first run of a family warms that, so each figure is the median of its runs).
Peak RSS comes from the kernel's accounting of the waited-for child.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT

QUESTION = "What did Putin say about external forces?"


@dataclass(frozen=True)
class Start:
    """Seconds from spawn to the first answer (median over runs) and the child's peak RSS."""

    name: str
    seconds: float
    runs: list[float]
    peak_mb: float
    note: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """This environment with the checkout first on PYTHONPATH, and `extra` set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def answers(port: int) -> bool:
    """Whether the server on `port` answers a question at `POST /api/ask` now."""
    body = json.dumps({"question": QUESTION}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/ask",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status == 200 and bool(json.loads(response.read())["text"])
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextmanager
def serving(
    command: list[str], *, timeout: float = 300.0, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """Spawn a server on a free port and POST /api/ask until it answers; yields (the child,
    its port) from then until the block ends, and stops it afterwards.

    Args:
        env: extra environment variables for the server (e.g. its index cache directory).
    """
    port = free_port()
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env(
            GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False", **(env or {})
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not answers(port):
            if child.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}.")
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"{' '.join(command)} gave no answer within {timeout:.0f} s.")
            time.sleep(0.05)
        yield child, port
    finally:
        if child.poll() is None:
            stop(child)


def time_to_first_answer(
    command: list[str], *, timeout: float = 300.0, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Spawn a server, POST /api/ask until it answers; (seconds, child peak RSS MB).

    Args:
        env: extra environment variables for the server (e.g. its index cache directory).
    """
    started = time.perf_counter()
    with serving(command, timeout=timeout, env=env) as (child, _):
        return time.perf_counter() - started, _peak_of(child.pid)


def _peak_of(pid: int) -> float:
    """A live process's peak RSS in MB, from /proc (reset at exec, unlike ru_maxrss, which
    a forked child inherits from this large benchmark process)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def stop(child: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for a server child, as a user stops it; killed if still running after 20 s."""
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


_REPORT_PEAK = (
    "\nimport pathlib as _p\n"
    "print(next(l for l in _p.Path('/proc/self/status').read_text().splitlines()"
    " if l.startswith('VmHWM:')).split()[1])"
)


def time_script(code: str) -> tuple[float, float]:
    """Run `python -c code` to completion; (wall seconds, its own peak RSS MB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + _REPORT_PEAK],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(
            f"Benchmark script failed with exit code {done.returncode}:\n{code}\n"
            + done.stderr[-2000:]
        )
    return seconds, int(done.stdout.split()[-1]) / 1024


def measure(name: str, run: object, runs: int, note: str = "") -> Start:
    """Median of `runs` calls of `run()` -> (seconds, peak MB)."""
    samples = [run() for _ in range(runs)]  # type: ignore[operator]
    seconds = [s for s, _ in samples]
    return Start(name, statistics.median(seconds), seconds, max(p for _, p in samples), note)


def import_time(module: str, runs: int = 5) -> Start:
    """`import module` in a fresh interpreter, minus a bare interpreter's start."""
    bare = statistics.median(time_script("pass")[0] for _ in range(runs))
    result = measure(f"import {module}", lambda: time_script(f"import {module}"), runs)
    net = [s - bare for s in result.runs]
    return Start(
        result.name, statistics.median(net), net, result.peak_mb, "interpreter start subtracted"
    )


def slowest_imports(module: str, count: int = 8) -> list[tuple[str, float]]:
    """Third-party packages with the largest cumulative import time under `import module`.

    Returns (package, ms) pairs: the cost each package adds the first time it is imported.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    own = {module.split(".")[0], "qa", "embeddings"}
    best: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            if package not in own:
                best[package] = max(best.get(package, 0.0), int(parts[1]) / 1000)
    return sorted(best.items(), key=lambda row: -row[1])[:count]


def load_and_ask(index: Path, backend: str) -> tuple[float, float]:
    """Fresh process: `Assistant.load` a saved index, ask one question."""
    code = (
        "from embeddings import Embedder; from qa import Assistant; "
        f"a = Assistant.load({str(index)!r}, embedder=Embedder(backend={backend!r})); "
        f"assert a.ask({QUESTION!r}).text"
    )
    return time_script(code)


def app_starts(cache: Path, runs: int) -> dict[str, Start]:
    """`python app.py` from an empty index cache (it embeds and saves), then from the saved one.

    The cache directory is the app's own ($QA_CACHE_DIR), emptied before each first start;
    the later starts find what the last first start saved.
    """
    command = [sys.executable, "app.py"]
    env = {"QA_CACHE_DIR": str(cache)}

    def first() -> tuple[float, float]:
        shutil.rmtree(cache, ignore_errors=True)
        return time_to_first_answer(command, env=env)

    return {
        "app.py, first start (embeds the article, saves the index)": measure(
            "app.py first start", first, runs
        ),
        "app.py, later start (saved index)": measure(
            "app.py later start", lambda: time_to_first_answer(command, env=env), runs
        ),
    }


def serve_commands(index: Path, backend: str) -> dict[str, list[str]]:
    return {
        f"serve a saved index with {backend} (benchmarks.serve_saved)": [
            sys.executable,
            "-m",
            "benchmarks.serve_saved",
            str(index),
            "--backend",
            backend,
        ],
    }
