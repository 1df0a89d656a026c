"""The house style is kept: `ruff check`, `ruff format --check` and `mypy` pass on the tree.

Why a test: CI runs the README's test command and nothing else, so a style rule that only
a person remembers to run is not kept. These run the same commands a developer would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TYPED = ["qa", "ui", "embeddings", "training", "benchmarks", "app.py"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def ruff() -> str:
    found = shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.slow
def test_ruff_finds_nothing() -> None:
    result = run(ruff(), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_every_file_is_formatted() -> None:
    result = run(ruff(), "format", "--check", ".")
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_passes_on_the_packages() -> None:
    result = run(sys.executable, "-m", "mypy", *TYPED)
    assert result.returncode == 0, result.stdout + result.stderr
