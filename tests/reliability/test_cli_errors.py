"""Issue 6, items 2, 11 and 13 through the command line: exit code 2, one line, no traceback.

Each case runs `python -m qa.cli` as a real process, so what is checked is what a user
sees: the exit status and the whole of stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import reliability_harness as harness

from qa import Assistant, store

CLI = [sys.executable, "-m", "qa.cli"]


def _run(*args: str | bytes, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=harness.ROOT, env=env
    )


def _one_line_error(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    import re

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stderr  # progress bars may precede it; nothing else
    assert re.search(pattern, errors[0]), errors[0]
    assert done.stderr.rstrip().endswith(errors[0])


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("", r"^qa ask: error: The question is empty"),
        ("   \t ", r"The question is empty"),
        ("?!...", r"no words in it, only punctuation"),
        (b"What \xff\xfe happened?", r"invalid characters \(unpaired surrogates\)"),
        ("why" * 33_333 + "y", r"is 100,000 characters long; the limit is 2,000"),
    ],
    ids=["empty", "whitespace", "punctuation", "undecodable bytes", "100k characters"],
)
def test_a_bad_question_exits_2_with_one_line(question: str | bytes, pattern: str) -> None:
    """NUL cannot be passed in argv at all; undecodable bytes arrive as lone surrogates."""
    _one_line_error(_run("ask", question), pattern)


@pytest.mark.slow
def test_a_bad_top_k_is_refused_before_the_model_loads() -> None:
    done = _run("ask", "Who called?", "--top-k", "0")
    _one_line_error(done, r"top_k must be between 1")
    assert "Loading weights" not in done.stderr


@pytest.fixture
def damaged_index(tmp_path: Path) -> Path:
    Assistant.from_texts(["Lanterns light the harbour."], embedder=harness.FakeEncoder()).save(
        tmp_path
    )
    return tmp_path


@pytest.mark.parametrize("victim", [store.MANIFEST, store.PASSAGES, store.DOCUMENTS])
def test_a_damaged_index_exits_2_naming_the_damage_without_loading_a_model(
    damaged_index: Path, victim: str
) -> None:
    path = damaged_index / "gen-000001" / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))
    started = time.monotonic()
    done = _run("ask", "Where are the lanterns?", "--index", str(damaged_index))
    _one_line_error(done, r"(does not match its (own )?checksum|unreadable).*rebuild the index")
    assert time.monotonic() - started < 60  # refused before any model is loaded


def test_an_index_of_another_format_exits_2_asking_for_a_rebuild(damaged_index: Path) -> None:
    manifest = json.loads((damaged_index / "gen-000001" / store.MANIFEST).read_text())
    manifest["format_version"] = 1
    (damaged_index / "gen-000001" / store.MANIFEST).write_text(json.dumps(manifest))
    done = _run("ask", "Where are the lanterns?", "--index", str(damaged_index))
    _one_line_error(done, r"format version 1; this program reads version 2\. Rebuild")


@pytest.mark.slow
def test_qa_index_while_another_process_writes_exits_2_and_changes_nothing(
    tmp_path: Path,
) -> None:
    """The real model: `qa index` embeds, then is refused at the writer lock."""
    first = tmp_path / "first.txt"
    first.write_text("Lanterns light the harbour at night.", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("Copper kettles whistle in the kitchen.", encoding="utf-8")
    index = tmp_path / "index"
    assert _run("index", str(first), "--out", str(index), "--quiet").returncode == 0
    before = {p: p.read_bytes() for p in index.rglob("*") if p.is_file()}
    with _lock_held(index):
        done = _run("index", str(second), "--out", str(index), "--quiet")
    _one_line_error(done, r"^qa index: error: Another process is writing the index in ")
    assert {p: p.read_bytes() for p in index.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_qa_index_is_refused_before_loading_the_model_while_another_writer_holds_the_index(
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Copper kettles whistle in the kitchen.", encoding="utf-8")
    index = tmp_path / "index"
    with _lock_held(index):
        done = _run("index", str(notes), "--out", str(index), "--quiet")
    _one_line_error(done, r"Another process is writing the index")
    assert "Loading weights" not in done.stderr


@contextlib.contextmanager
def _lock_held(index: Path) -> Iterator[None]:
    """Another process holds the index's writer lock for the length of the block."""
    with harness.holder(HOLD_LOCK, index, "locked"):
        yield


HOLD_LOCK = """
import sys
from pathlib import Path
from qa import store
with store.write_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""
