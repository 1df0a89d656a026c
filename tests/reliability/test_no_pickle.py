"""Issue 6, item 3 (threat P4): nothing in a saved index is ever unpickled.

LangChain's FAISS store and LlamaIndex loaders got remote-code-execution advisories for
pickled metadata (CVE-2024-5998, CVE-2024-14021). Here a pickle that would create a
sentinel file is planted under every name the store uses (and the names peers use), the
manifest is re-sealed so checksums do not stop it early, and a fresh process loads it.
"""

from __future__ import annotations

import ast
import io
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import reliability_harness as harness

from qa import Assistant, store

PACKAGES = ("qa", "embeddings", "ui")
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "shelve", "marshal"}


class _Payload:
    """Unpickling this creates `sentinel`: the proof that a pickle ran."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.sentinel), "w"))


def _pickle_bytes(sentinel: Path) -> bytes:
    return pickle.dumps(_Payload(sentinel))


def _npy_with_pickle(sentinel: Path) -> bytes:
    """A valid .npy header of dtype=object whose body is the pickle."""
    buffer = io.BytesIO()
    array = np.empty(1, dtype=object)
    array[0] = _Payload(sentinel)
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


PLANTS = [
    store.MANIFEST,
    store.DOCUMENTS,
    store.PASSAGES,
    store.SENTENCES,
    "sentences.npy (object array)",
    store.CURRENT,
    "index.pkl",
    "index.faiss",
    "docstore.pkl",
    "documents.pkl",
    "metadata.pickle",
]


@pytest.mark.slow
def test_a_planted_pickle_never_runs_under_any_store_file_name(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    pristine = tmp_path / "pristine"
    fake_assistant.save(pristine)
    outcomes = {}
    with harness.Worker() as fresh:
        for number, plant in enumerate(PLANTS):
            work = tmp_path / f"work-{number}"
            shutil.copytree(pristine, work)
            sentinel = tmp_path / f"pwned-{number}"
            generation = work / "gen-000001"
            if plant == store.CURRENT:
                (work / store.CURRENT).write_bytes(_pickle_bytes(sentinel))
            elif plant.startswith(store.SENTENCES + " "):
                (generation / store.SENTENCES).write_bytes(_npy_with_pickle(sentinel))
                harness.reseal(generation)
            elif plant == store.MANIFEST:
                (generation / plant).write_bytes(_pickle_bytes(sentinel))
            else:
                (generation / plant).write_bytes(_pickle_bytes(sentinel))
                harness.reseal(generation)
                (work / plant).write_bytes(_pickle_bytes(sentinel))  # beside CURRENT too
            result = fresh.load(work)
            outcomes[plant] = result
            assert not sentinel.exists(), f"a pickle planted as {plant} was executed"
            assert result["status"] in ("ok", "error"), result
    # Names the store reads are refused by name; names it never reads change nothing.
    for plant in (store.MANIFEST, store.DOCUMENTS, store.PASSAGES, store.CURRENT):
        assert outcomes[plant]["type"] in ("IndexCorruptError", "StoreError"), outcomes[plant]
    assert outcomes["sentences.npy (object array)"]["type"] == "IndexCorruptError"
    assert "allow_pickle=False" in outcomes["sentences.npy (object array)"]["message"]
    for plant in ("index.pkl", "docstore.pkl", "documents.pkl", "metadata.pickle"):
        assert outcomes[plant]["status"] == "ok"


def _python_files() -> list[Path]:
    root = harness.ROOT
    return sorted(p for package in PACKAGES for p in (root / package).rglob("*.py"))


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(harness.ROOT)))
def test_no_module_imports_a_pickle_api_or_allows_pickle(path: Path) -> None:
    """Static half of P4: no pickle-family import, no allow_pickle=True, no torch.load."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
            assert not names & FORBIDDEN_MODULES, f"{path}:{node.lineno} imports {names}"
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[0]
            assert module not in FORBIDDEN_MODULES, f"{path}:{node.lineno} imports {module}"
        elif isinstance(node, ast.keyword) and node.arg in ("allow_pickle", "trust_remote_code"):
            value = node.value
            assert not (isinstance(value, ast.Constant) and value.value is True), (
                f"{path}:{value.lineno} passes {node.arg}=True"
            )
        elif isinstance(node, ast.Attribute) and node.attr == "load":
            base = node.value
            assert not (isinstance(base, ast.Name) and base.id == "torch"), (
                f"{path}:{node.lineno} calls torch.load"
            )
