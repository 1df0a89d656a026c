"""Sizes a reader can hold in their head: modules of at most 400 lines, functions of at most
60, and at most 5 positional parameters (past that, a call site reads as a row of values
whose meaning is in another file; use keywords or one object, as `Evidence` does)."""

from __future__ import annotations

import ast
from pathlib import Path

from test_import_cycles import PACKAGES, ROOT

MODULE_LINES = 400
FUNCTION_LINES = 60
POSITIONALS = 5

# Over the limits today, each to be split (issue 27). An entry must still be over its limit
# (test_the_known_oversized_are_still_over), so it leaves as soon as it is split.
KNOWN_OVERSIZED: frozenset[str] = frozenset(
    {
        "positionals ui/handlers.py:respond",  # Gradio passes an event's inputs positionally
    }
)


def oversized(path: Path, name: str) -> set[str]:
    """What in the file at `path` (shown as `name`) is over a limit."""
    source = path.read_text(encoding="utf-8")
    found = set()
    if len(source.splitlines()) > MODULE_LINES:
        found.add(f"module {name}")
    for node in ast.walk(ast.parse(source, filename=name)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assert node.end_lineno is not None
        if node.end_lineno - node.lineno + 1 > FUNCTION_LINES:
            found.add(f"function {name}:{node.name}")
        positional = [
            a for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in ("self", "cls")
        ]
        if len(positional) > POSITIONALS:
            found.add(f"positionals {name}:{node.name}")
    return found


def project_oversized() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found |= oversized(path, path.relative_to(ROOT).as_posix())
    return found


def test_no_new_module_or_function_is_over_the_limits() -> None:
    new = sorted(project_oversized() - KNOWN_OVERSIZED)
    assert not new, f"over the limits (split it, or use keywords): {new}"


def test_the_known_oversized_are_still_over() -> None:
    stale = sorted(KNOWN_OVERSIZED - project_oversized())
    assert not stale, f"now within the limits, remove from KNOWN_OVERSIZED: {stale}"


def test_the_limits_catch_a_long_function_and_a_long_signature(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    path = tmp_path / "m.py"
    path.write_text(f"def long():\n{body}\n\ndef wide(a, b, c, d, e, f):\n    pass\n")
    assert oversized(path, "m.py") == {"function m.py:long", "positionals m.py:wide"}
    path.write_text("def fine(self, a, b, c, d, e, *, f=1):\n    pass\n")
    assert oversized(path, "m.py") == set()
