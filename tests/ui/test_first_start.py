"""A first start of `python app.py`: progress and the URL, nothing third-party.

Run as a new user would: a fresh model and index cache, so the ONNX exports and the
article's embedding happen in this run too, on a free port. Python's warnings are all shown
(`PYTHONWARNINGS=default`) except ResourceWarning: Gradio makes a fresh asyncio event loop
for each lock it creates while the Blocks are built (gradio.utils.safe_get_lock) and leaves
the old ones for the garbage collector, which Python reports only when asked to.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOISE = ("Loading weights", "LOAD REPORT", "TracerWarning", "UserWarning", "DeprecationWarning")
PROGRESS = re.compile(r"\d+%\|")  # a tqdm bar's "42%|####"
START_SECONDS = 600


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def url_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The first line `process` prints on stdout; fails if it prints none within `seconds`."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    line = process.stdout.readline() if ready else ""
    if not line:
        raise AssertionError(f"the app printed nothing within {seconds} s (exit {process.poll()})")
    return line


def ask(url: str, question: str, seconds: float = 60) -> dict[str, object]:
    """POST `question` to /api/ask; the URL is printed just before the server binds, so a
    refused connection is tried again for up to `seconds`."""
    request = urllib.request.Request(
        f"{url}/api/ask",
        data=json.dumps({"question": question}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.load(response)  # type: ignore[no-any-return]
        except urllib.error.URLError as err:
            if not isinstance(err.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_a_first_start_prints_the_url_only_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QA_CACHE_DIR": str(tmp_path / "cache"),
        "GRADIO_SERVER_PORT": str(port),
        "PYTHONWARNINGS": "default,ignore::ResourceWarning",
    }
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            first = url_line(process, START_SECONDS)
            url = f"http://127.0.0.1:{port}"
            assert first == f"qa-assistant chat on {url}  (REST API: POST /api/ask)\n", first
            reply = ask(url, "What did Putin say about external forces?")
            assert reply["found"] is True, reply
            assert "external forces" in str(reply["text"]), reply
        finally:
            process.terminate()
            rest, _ = process.communicate(timeout=60)
    printed = stderr_path.read_text(encoding="utf-8")
    output = first + rest + printed
    assert [n for n in NOISE if n in output] == [], printed
    assert rest == "", rest
    lines = [line for line in re.split(r"[\r\n]", printed) if line.strip()]
    assert [line for line in lines if not PROGRESS.search(line)] == [], printed
