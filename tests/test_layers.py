"""The pipeline's layers, enforced: a module imports only from its own layer or below.

Why a test: the layout tells a newcomer the pipeline (load -> chunk -> embed -> index ->
retrieve -> answer -> converse -> the facade -> evaluation and the command line, with `ui/`
on top), and that is only true while no module reaches up. An upward import is how the
layers turn back into one tangle. Every import counts, inside functions too, as in
tests/test_import_cycles.py, whose graph this reuses.
"""

from __future__ import annotations

from collections.abc import Iterable

from test_import_cycles import PACKAGES, ROOT, imports_of, module_files

# Bottom to top. A module belongs to the first group whose name is it or its package.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("embeddings",),
    ("qa.types", "qa.errors", "qa.limits", "qa.text"),
    ("qa.load", "qa.loading", "qa.sentences", "qa.block_chunking", "qa.chunking", "qa.embed"),
    ("qa.index",),
    ("qa.retrieve",),
    ("qa.answer",),
    ("qa.converse", "qa.settings"),  # settings gather the stages' configs; a turn reads them
    ("qa.store", "qa.assistant", "qa"),
    ("qa.evaluate", "qa.cli", "qa.__main__"),
    ("ui",),
)

# What `ui/` may import of `qa`: its public API (README, "Python API") and nothing deeper.
UI_MAY_IMPORT = frozenset({"qa", "qa.errors", "qa.types", "qa.limits", "embeddings"})

# Imports that break the rules today, each to go (issue 27). An entry must still be an
# import (test_the_known_leaks_are_still_there), so it leaves as soon as its import does.
KNOWN_LEAKS: frozenset[tuple[str, str]] = frozenset(
    {
        ("qa.cli", "ui.server"),  # `qa serve` starts the app
        ("qa.cli", "ui.startup"),
        ("ui.startup", "qa.answer.reader"),  # backend choice belongs in qa (issue 27)
        ("ui.startup", "qa.loading"),
        ("ui.startup", "qa.store.cache"),
        ("ui.sessions", "qa.loading"),
    }
)


def layer_of(module: str) -> int:
    for level, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names):
            return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def _group(module: str) -> str:
    """The LAYERS name a module falls under (its longest matching name)."""
    names = [n for group in LAYERS for n in group]
    return max((n for n in names if module == n or module.startswith(n + ".")), key=len)


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
    leaks = sorted(violations(project_edges()) - KNOWN_LEAKS)
    assert not leaks, "imports that reach up a layer: " + ", ".join(f"{a} -> {b}" for a, b in leaks)


def test_the_known_leaks_are_still_there() -> None:
    stale = sorted(KNOWN_LEAKS - violations(project_edges()))
    assert not stale, f"no longer leaks, remove from KNOWN_LEAKS: {stale}"


def test_the_rule_catches_an_upward_import_and_ui_reaching_inside() -> None:
    edges = {
        ("qa.index.collection", "qa.answer.reader"),
        ("qa.answer.compose", "qa.index.collection"),
        ("ui.app", "qa.converse.chat"),
        ("ui.app", "qa"),
    }
    assert violations(edges) == {
        ("qa.index.collection", "qa.answer.reader"),
        ("ui.app", "qa.converse.chat"),
    }
    assert _group("qa.answer.reader") == "qa.answer"
