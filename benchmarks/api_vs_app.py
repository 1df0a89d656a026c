"""The Python API and the served app side by side: `Assistant.default().ask` p50 against
`python app.py`'s `POST /api/ask` p50, on the same questions in one run.

    python -m benchmarks.api_vs_app                     # 30 questions
    python -m benchmarks.api_vs_app --questions 10 --json report.json

The app runs as shipped, in a process of its own (`python app.py`: its default backend, its
index cache, on a free port); the API runs in this process, built as a user builds it. Each
question goes to the API and then to the app, one at a time, so both see the same load on a
shared machine. The app exposes no server-side time, so its figure is the p50 round trip of
a question minus the p50 round trip of a no-op (`GET /api/documents`) timed beside each one:
what is left is the answering, without HTTP, JSON and the loopback. Every question is asked
once of each, after warm-up asks of other questions, so the query cache never answers one.

Measured, not asserted: nothing here fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import Machine, Stats
from benchmarks.query import article_questions
from benchmarks.start import serving

QUESTIONS = 30
WARM_UP = 3  # asks of questions outside the measured ones, for each side


@dataclass(frozen=True)
class SideBySide:
    """One run's figures; every time in milliseconds.

    Attributes:
        api: `Assistant.default().ask` in this process.
        round_trip: `POST /api/ask` to the app, as the client saw it.
        no_op: `GET /api/documents` to the app, timed beside each question.
        app_p50_ms: the app's answering, `round_trip.p50_ms - no_op.p50_ms`.
        ratio: `api.p50_ms / app_p50_ms` (issue 26's goal: at most 1.1).
        same_answers: questions whose answer text was the same from both.
    """

    api: Stats
    round_trip: Stats
    no_op: Stats
    app_p50_ms: float
    ratio: float
    same_answers: int

    @classmethod
    def of(
        cls, api: list[float], round_trip: list[float], no_op: list[float], same_answers: int
    ) -> SideBySide:
        """The figures from per-question seconds."""
        asked, trip, idle = Stats.of(api), Stats.of(round_trip), Stats.of(no_op)
        app = trip.p50_ms - idle.p50_ms
        return cls(asked, trip, idle, app, asked.p50_ms / app, same_answers)


def run(count: int = QUESTIONS) -> dict[str, Any]:
    """Both sides over the first `count` article questions; results as plain data."""
    from qa import Assistant

    questions = article_questions()
    measured, warm_up = questions[:count], questions[count : count + WARM_UP]
    if len(measured) < count or not warm_up:
        raise ValueError(
            f"--questions must leave at least one of the {len(questions)} article questions "
            f"for the warm-up, got {count}."
        )
    machine = Machine.here().to_dict()
    assistant = Assistant.default()
    api: list[float] = []
    trips: list[float] = []
    no_ops: list[float] = []
    same = 0
    app = serving([sys.executable, "app.py"], timeout=600)
    with app as (_, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for question in warm_up:
            assistant.ask(question)
            client.post("/api/ask", json={"question": question}).raise_for_status()
            client.get("/api/documents").raise_for_status()
        for question in measured:
            started = time.perf_counter()
            answer = assistant.ask(question)
            api.append(time.perf_counter() - started)
            started = time.perf_counter()
            reply = client.post("/api/ask", json={"question": question})
            trips.append(time.perf_counter() - started)
            reply.raise_for_status()
            started = time.perf_counter()
            client.get("/api/documents").raise_for_status()
            no_ops.append(time.perf_counter() - started)
            same += reply.json()["text"] == answer.text
    figures = SideBySide.of(api, trips, no_ops, same)
    machine["load_average_end"] = os.getloadavg()
    return {
        "machine": machine,
        "backend": getattr(assistant.embedder, "backend", type(assistant.embedder).__name__),
        "reader": assistant.reader is not None,
        "questions": count,
        **asdict(figures),
    }


def render(report: dict[str, Any]) -> str:
    """The figures as a few lines of text."""
    api, trip, no_op = report["api"], report["round_trip"], report["no_op"]
    return "\n".join(
        [
            f"{report['questions']} article questions, backend {report['backend']}, "
            f"reader {'on' if report['reader'] else 'off'}",
            f"Assistant.default().ask  p50 {api['p50_ms']:.1f} ms  p95 {api['p95_ms']:.1f} ms",
            f"app POST /api/ask        p50 {trip['p50_ms']:.1f} ms  p95 {trip['p95_ms']:.1f} ms"
            " (round trip)",
            f"app GET /api/documents   p50 {no_op['p50_ms']:.1f} ms (no-op round trip)",
            f"app answering            p50 {report['app_p50_ms']:.1f} ms (round trip - no-op)",
            f"API / app                {report['ratio']:.2f}",
            f"same answer text         {report['same_answers']}/{report['questions']}",
            f"load average             {_load(report['machine']['load_average'])} at start, "
            f"{_load(report['machine']['load_average_end'])} at end",
        ]
    )


def _load(average: Sequence[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in average)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_vs_app", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--questions", type=int, default=QUESTIONS, help="how many to ask")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    report = run(args.questions)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
