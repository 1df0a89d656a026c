"""Nothing third-party on our output: no loader bars, load reports or exporter warnings.

Run as a new user would: a fresh model cache, so the ONNX exports happen in this run too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOISE = ("Loading weights", "LOAD REPORT", "TracerWarning", "UserWarning", "DeprecationWarning")


@pytest.mark.slow
def test_a_first_ask_prints_the_answer_and_no_library_noise(tmp_path: Path) -> None:
    env = {**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONWARNINGS": "default"}
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "What did Putin say about external forces?"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "external forces" in result.stdout
    output = result.stdout + result.stderr
    assert [n for n in NOISE if n in output] == [], result.stderr


@pytest.mark.slow
def test_an_ask_on_a_saved_index_prints_only_the_answer(tmp_path: Path) -> None:
    page = tmp_path / "deploy.md"
    page.write_text("# Deploying\n\nRun `mkdocs gh-deploy` to publish the site to GitHub Pages.\n")
    env = {**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONWARNINGS": "default"}

    def qa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qa", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    built = qa("index", "--quiet", "--out", str(tmp_path / "index"), str(page))
    assert built.returncode == 0, built.stderr
    asked = qa("ask", "--index", str(tmp_path / "index"), "How do I publish the site?")

    assert asked.returncode == 0, asked.stderr
    assert "mkdocs gh-deploy" in asked.stdout
    assert asked.stderr == ""
    assert [n for n in NOISE if n in asked.stdout] == []
