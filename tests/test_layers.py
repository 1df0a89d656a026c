"""The pipeline's layers, enforced: a module imports only from its own layer or below.

Why a test: the layout tells a newcomer the pipeline (load -> chunk -> embed -> index ->
retrieve -> answer -> converse -> the facade -> evaluation and the command line, with `ui/`
on top), and that is only true while no module reaches up. An upward import is how the
layers turn back into one tangle. Every import counts, inside functions too, as in
tests/test_import_cycles.py, whose graph this reuses.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from test_import_cycles import PACKAGES, ROOT, imports_of, module_files

# Bottom to top. A module belongs to the most specific name that is it or its package.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("embeddings",),
    ("qa.types", "qa.errors", "qa.limits", "qa.text"),
    ("qa.load", "qa.loading", "qa.sentences", "qa.block_chunking", "qa.chunking", "qa.embed"),
    ("qa.index",),
    ("qa.retrieve",),
    ("qa.answer",),
    ("qa.converse", "qa.settings"),  # settings gather the stages' configs; a turn reads them
    ("qa.store", "qa.assistant", "qa"),
    ("qa.evaluate",),
    ("ui", "qa.cli", "qa.__main__"),  # the two front ends: `qa serve` starts the app
)

# What `ui/` may import of `qa`: its public API (README, "Python API") and nothing deeper.
UI_MAY_IMPORT = frozenset({"qa", "qa.errors", "qa.types", "qa.limits", "embeddings"})


def layer_of(module: str) -> int:
    """The level of the most specific LAYERS name that covers `module`."""
    group = _group(module)
    return next(level for level, names in enumerate(LAYERS) if group in names)


def _group(module: str) -> str:
    """The LAYERS name a module falls under (its longest matching name)."""
    names = [n for group in LAYERS for n in group]
    matches = [n for n in names if module == n or module.startswith(n + ".")]
    if not matches:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")
    return max(matches, key=len)


def violations(edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (importer, imported) pairs that reach up a layer, or into `qa`'s inside from ui."""
    found = set()
    for source, target in edges:
        if source.split(".")[0] == "ui" and target.split(".")[0] == "qa":
            if target not in UI_MAY_IMPORT:
                found.add((source, target))
        elif layer_of(target) > layer_of(source):
            found.add((source, target))
    return found


def project_edges() -> set[tuple[str, str]]:
    files = module_files(ROOT, PACKAGES)
    return {(m, t) for m, path in files.items() for t in imports_of(m, path, files)}


def test_every_module_has_a_layer() -> None:
    for module in module_files(ROOT, PACKAGES):
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it() -> None:
    leaks = sorted(violations(project_edges()))
    assert not leaks, "imports that reach up a layer: " + ", ".join(f"{a} -> {b}" for a, b in leaks)


def test_the_rule_catches_an_upward_import_and_ui_reaching_inside() -> None:
    edges = {
        ("qa.index.collection", "qa.answer.reader"),
        ("qa.answer.compose", "qa.index.collection"),
        ("ui.app", "qa.converse.chat"),
        ("ui.app", "qa"),
        ("qa.cli", "ui.server"),
        ("qa.evaluate.report", "qa.cli"),
    }
    assert violations(edges) == {
        ("qa.index.collection", "qa.answer.reader"),
        ("ui.app", "qa.converse.chat"),
        ("qa.evaluate.report", "qa.cli"),
    }
    assert _group("qa.answer.reader") == "qa.answer"


# ----- the same layers as import-linter contracts (pyproject.toml [tool.importlinter]) -------
def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [found, "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_import_linter_contracts_are_kept() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_import_linter_reports_a_broken_contract(tmp_path: Path) -> None:
    """The tool really reads the code: a contract the code breaks is reported broken."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["qa", "embeddings"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "the answer stage without the shared records (false on purpose)"\n'
        'type = "forbidden"\nsource_modules = ["qa.answer"]\nforbidden_modules = ["qa.types"]\n',
        encoding="utf-8",
    )
    result = _lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
