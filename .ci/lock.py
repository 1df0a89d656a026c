"""Write or check requirements.lock: every distribution qa-assistant and its test extra
install, each pinned to one exact version.

Usage:
    python .ci/lock.py           # rewrite requirements.lock from this (working) environment
    python .ci/lock.py --check   # resolve the lock from scratch (pip dry run) and compare

Writing asks pip, not a guess: `pip install --dry-run --ignore-installed -e ".[test]"`
constrained to `pip freeze` of this environment resolves the full set the project needs
(markers evaluated for this machine) at exactly the versions installed and tested here.
Tools that happen to be installed but that the project does not pull in stay out.

torch is pinned with its local label, `torch==2.13.0+cpu`: plain `==2.13.0` also matches
PyPI's 2.13.0, a CUDA build of several GB with nvidia-* dependencies. The +cpu file is
found on this machine's disk (pip's find-links). Writing refuses any nvidia-*, cuda-* or
triton distribution.

Checking resolves `-c requirements.lock -e ".[test]"` as a fresh install would and fails
unless pip picks exactly the pinned versions, no more and no fewer.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
TORCH = "torch==2.13.0+cpu"
PROJECT = "qa-assistant"
FORBIDDEN = re.compile(r"^(nvidia-|cuda-|triton$)")
HEADER = """\
# Every distribution `pip install -e ".[test]"` installs, pinned (issue 6, item 14).
# Install with: pip install -c requirements.lock -e ".[test]"   (as .ci/run does)
# Regenerate after changing pyproject.toml or upgrading: python .ci/lock.py
# Check that it resolves to exactly these pins: python .ci/lock.py --check
"""


def canonical(name: str) -> str:
    """PEP 503 normalised name: `PyStemmer`, `pystemmer` and `py_stemmer` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """Canonical name -> pinned version, from `name==version` lines (comments ignored)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            name, _, version = text.partition("==")
            pins[canonical(name)] = version
    return pins


def resolve(constraints: Path) -> dict[str, str]:
    """What pip would install for `-e ".[test]"` into an empty environment, under
    `constraints`: canonical name -> version, the project itself excepted."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"),
                *("--quiet", "--report", str(report), "-c", str(constraints)),
                *("-e", f"{ROOT}[test]"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:  # pip's reasons are in its last lines
            raise SystemExit(f"pip could not resolve:\n{done.stderr[-4000:]}")
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    found = {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}
    found.pop(PROJECT, None)
    return found


def write() -> int:
    frozen = subprocess.run(
        # --all: setuptools (which torch requires) is otherwise left out of a freeze.
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    lines = [f for f in frozen if "==" in f and canonical(f.split("==")[0]) != "torch"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join([*lines, TORCH]) + "\n")
    try:
        pins = resolve(Path(handle.name))
    finally:
        Path(handle.name).unlink()
    bad = sorted(n for n in pins if FORBIDDEN.match(n))
    if bad or pins.get("torch") != TORCH.split("==")[1]:
        print(f"refusing to lock: torch {pins.get('torch')}, CUDA packages {bad}", file=sys.stderr)
        return 1
    body = "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))
    LOCK.write_text(HEADER + body, encoding="utf-8")
    print(f"{LOCK.name}: {len(pins)} pins")
    return 0


def check() -> int:
    locked = read_lock()
    picked = resolve(LOCK)
    problems = [
        *(f"unused pin {n}=={v}" for n, v in sorted(locked.items()) if n not in picked),
        *(f"not pinned: {n} {v}" for n, v in sorted(picked.items()) if n not in locked),
        *(
            f"{n}: pinned {locked[n]}, pip picked {v}"
            for n, v in sorted(picked.items())
            if n in locked and locked[n] != v
        ),
    ]
    for problem in problems:
        print(problem)
    print(f"{LOCK.name}: pip resolves {len(picked)} distributions, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(check() if sys.argv[1:] == ["--check"] else write())
