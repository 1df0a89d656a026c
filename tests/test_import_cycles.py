"""No import cycles between the modules of `qa`, `ui` and `embeddings`.

Why a test: a cycle is how a layout rots. Two modules that import each other can only be
read (and moved) together, and the usual workaround, an import inside a function, hides the
cycle from the reader without removing it. So every import counts here: at module level,
under `if TYPE_CHECKING:` and inside functions. An edge is an explicit import, as
import-linter (issue 27) counts them: `from qa import store` is an edge to `qa.store` when
that is a module, else to the package `qa` whose name it imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("qa", "ui", "embeddings")

Graph = Mapping[str, Iterable[str]]

# Cycles known and not yet broken, each as `find_cycles` names it (its modules in import
# order from the alphabetically first). Empty: issue 27, slice 1 broke the three there were
# (qa.api <-> qa.conversation, ui.app <-> ui.server, qa.chunking <-> qa.block_chunking). An
# entry must still be a cycle (test_the_allow_list_names_only_real_cycles), so it goes as
# soon as its cycle does.
KNOWN_CYCLES: frozenset[tuple[str, ...]] = frozenset()


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of `packages` under `root`, by dotted name (a package is its __init__)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _nearest_known(name: str, known: Iterable[str]) -> str | None:
    """`name` if it is a known module, else its nearest known parent (`import qa.x.Y`)."""
    modules = set(known)
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def imports_of(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The known modules `module` imports anywhere in its source (functions included)."""
    modules = set(known)
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from qa import store` imports the module qa.store; `from qa import Assistant`
            # imports the package qa.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            target = _nearest_known(name, modules)
            if target is not None and target != module:
                targets.add(target)
    return targets


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """Module -> the modules it imports, over `packages` (imports of anything else dropped)."""
    files = module_files(root, packages)
    return {module: imports_of(module, path, files) for module, path in files.items()}


def _components(graph: Graph) -> list[set[str]]:
    """Strongly connected components (Tarjan's algorithm, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop(0)
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found


def _shortest_cycle(graph: Graph, start: str, within: set[str]) -> tuple[str, ...]:
    """The shortest path from `start` back to itself inside one component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in within:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return tuple(reversed(path))
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a component but on no cycle")  # pragma: no cover


def find_cycles(graph: Graph) -> list[tuple[str, ...]]:
    """One cycle per tangle of modules (strongly connected component of two or more),
    as its modules in import order from the alphabetically first; sorted.

    A component can hold several cycles; naming one per component is enough to fail and
    to show where to start, and the next run names the next.
    """
    cycles = []
    for component in _components(graph):
        if len(component) > 1:
            cycles.append(_shortest_cycle(graph, min(component), component))
    return sorted(cycles)


def describe(cycle: tuple[str, ...]) -> str:
    return " -> ".join([*cycle, cycle[0]])


# ----- the finder itself -------------------------------------------------------------------
def test_the_finder_names_a_two_module_cycle() -> None:
    assert find_cycles({"b": {"a"}, "a": {"b", "c"}, "c": set()}) == [("a", "b")]


def test_the_finder_names_a_longer_cycle_in_import_order() -> None:
    graph = {"m": {"n"}, "n": {"o"}, "o": {"m", "p"}, "p": set(), "q": {"m"}}
    assert find_cycles(graph) == [("m", "n", "o")]
    assert describe(("m", "n", "o")) == "m -> n -> o -> m"


def test_the_finder_passes_a_graph_without_cycles() -> None:
    assert find_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a"}}) == []


def test_the_finder_names_each_tangle_once() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}, "x": {"y"}, "y": {"x"}}
    cycles = find_cycles(graph)
    assert len(cycles) == 2 and ("x", "y") in cycles
    assert cycles[0][0] == "a" and set(cycles[0]) <= {"a", "b", "c"}


def test_imports_inside_functions_and_type_checking_blocks_count(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.front import Front\n")
    (package / "front.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.back import Back\n"
        "class Front: ...\n"
    )
    (package / "back.py").write_text("def make():\n    from . import front\n    return front\n")
    (package / "side.py").write_text("from pkg import Front\nimport pkg.back.missing as b\n")

    graph = import_graph(tmp_path, ["pkg"])

    assert graph == {
        "pkg": {"pkg.front"},
        "pkg.front": {"pkg.back"},
        "pkg.back": {"pkg.front"},
        "pkg.side": {"pkg", "pkg.back"},
    }
    assert find_cycles(graph) == [("pkg.back", "pkg.front")]


# ----- the project -------------------------------------------------------------------------
def test_no_import_cycles_between_modules() -> None:
    cycles = [c for c in find_cycles(import_graph(ROOT, PACKAGES)) if c not in KNOWN_CYCLES]
    assert not cycles, "import cycles (every import counts, functions' too):\n" + "\n".join(
        describe(c) for c in cycles
    )


def test_the_allow_list_names_only_real_cycles() -> None:
    stale = KNOWN_CYCLES - set(find_cycles(import_graph(ROOT, PACKAGES)))
    assert not stale, "no longer cycles, remove from KNOWN_CYCLES: " + ", ".join(
        describe(c) for c in sorted(stale)
    )
