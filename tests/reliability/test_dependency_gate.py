"""Issue 6, item 14: the lock file is complete and exact, and the CI dependency gate
(.ci/pip_audit.py) decides correctly.

The audit itself needs the network and runs in CI; these tests pin down its verdicts on
canned pip-audit reports, including the trap of a run that skipped every package. That
pip resolves the lock to exactly its pins is checked in CI by `python .ci/lock.py --check`
(it asks the package index, so it is not a unit test).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import reliability_harness as harness
from packaging.requirements import Requirement
from packaging.version import Version


def _gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pip_audit_gate", harness.ROOT / ".ci" / "pip_audit.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


gate = _gate()
CLEAN = {"name": "numpy", "version": "2.4.6", "vulns": []}
VULNERABLE = {
    "name": "gradio",
    "version": "6.19.0",
    "vulns": [
        {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2026-59806"], "fix_versions": ["6.20.0"]}
    ],
}
SKIPPED = {"name": "qa-assistant", "skip_reason": "Dependency not found on PyPI"}


def test_a_clean_audit_passes() -> None:
    code, lines = gate.verdict({"dependencies": [CLEAN, SKIPPED]}, {})
    assert code == 0
    assert lines[0] == "pip-audit: 1 packages audited against OSV, 1 skipped."


def test_an_unwaived_advisory_fails_naming_package_ids_and_fix() -> None:
    code, lines = gate.verdict({"dependencies": [CLEAN, VULNERABLE]}, {})
    assert code == 1
    assert "ADVISORY: gradio 6.19.0: CVE-2026-59806, GHSA-aaaa-bbbb-cccc (fixed in 6.20.0)" in lines


def test_a_waiver_by_any_alias_passes_and_is_reported(tmp_path: Path) -> None:
    waivers_file = tmp_path / "waivers.txt"
    waivers_file.write_text("# comment\n\nCVE-2026-59806  gradio  no /file= route exposed\n")
    waivers = gate.read_waivers(waivers_file)
    code, lines = gate.verdict({"dependencies": [VULNERABLE]}, waivers)
    assert code == 0
    assert any(line.startswith("waived: gradio 6.19.0") for line in lines)


def test_a_stale_waiver_is_reported() -> None:
    code, lines = gate.verdict({"dependencies": [CLEAN]}, {"CVE-2000-1": "CVE-2000-1 x old"})
    assert code == 0
    assert "warning: waiver matches no finding, remove it: CVE-2000-1 x old" in lines


@pytest.mark.parametrize("report", [None, {"dependencies": [SKIPPED, SKIPPED]}])
def test_an_audit_that_checked_nothing_is_an_outage_not_a_pass(
    report: dict[str, object] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QA_AUDIT_REQUIRED", raising=False)
    code, lines = gate.verdict(report, {})
    assert code == 0 and lines[0].startswith("WARNING: dependencies NOT AUDITED")
    monkeypatch.setenv("QA_AUDIT_REQUIRED", "1")
    assert gate.verdict(report, {})[0] == 1


# ----- the lock file ------------------------------------------------------------------------
PINS = gate.lock_tool.read_lock(gate.LOCK)


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((harness.ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    ]


def test_the_lock_pins_every_dependency_named_in_pyproject_within_its_range() -> None:
    for requirement in _pyproject_requirements():
        name = gate.lock_tool.canonical(requirement.name)
        assert name in PINS, f"{name} is not in requirements.lock; run python .ci/lock.py"
        assert requirement.specifier.contains(PINS[name], prereleases=True), (
            f"{name}=={PINS[name]} is outside pyproject's {requirement.specifier}"
        )


def test_every_line_of_the_lock_pins_one_exact_version() -> None:
    exact = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*==[0-9][0-9a-z.+!]*$")
    lines = [
        line
        for line in gate.LOCK.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines, "requirements.lock pins nothing"
    for line in lines:
        assert exact.match(line), f"not an exact pin: {line!r}"
        Version(line.split("==")[1])  # a valid PEP 440 version
    assert len(lines) == len(PINS), "a package is pinned twice"
    names = [line.split("==")[0] for line in lines]
    assert names == sorted(names)  # diffs of a regenerated lock stay readable


def test_torch_is_locked_to_the_cpu_build_and_no_cuda_package_is_locked() -> None:
    # Plain ==2.13.0 would also match PyPI's CUDA build (several GB, nvidia-* dependencies).
    assert PINS["torch"] == "2.13.0+cpu"
    assert not [n for n in PINS if re.match(r"nvidia-|cuda-|triton$", n)]


def test_the_locked_versions_are_above_the_known_fixed_floors() -> None:
    assert gate.below_floors(PINS) == []
    assert set(gate.FLOORS) <= set(PINS)  # every floor applies to something we install


def test_a_pin_below_a_floor_is_named_with_the_advisory_and_the_fix() -> None:
    problems = gate.below_floors({"gradio": "6.19.0", "torch": "2.13.0+cpu"})
    assert problems == [
        "gradio 6.19.0 < 6.20.0: CVE-2026-59806 (open redirect / SSRF via /gradio_api/file=); "
        "pin >= 6.20.0"
    ]


def test_an_installed_version_that_is_not_the_locked_one_is_reported() -> None:
    assert gate.drift({"pytest": "0.0.1", "no-such-package-qa": "1.0"}) == [
        "no-such-package-qa: installed not installed, locked 1.0",
        f"pytest: installed {importlib.metadata.version('pytest')}, locked 0.0.1",
    ]


def test_the_audit_reads_the_lock_with_public_versions() -> None:
    text = gate.audit_input({"torch": "2.13.0+cpu", "gradio": "6.31.0"})
    assert text == "gradio==6.31.0\ntorch==2.13.0\n"


def test_the_lock_reader_ignores_comments_and_normalises_names(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\n\nPyStemmer==3.1.0  # why\nlxml_html_clean==0.4.6\n")
    assert gate.lock_tool.read_lock(lock) == {"pystemmer": "3.1.0", "lxml-html-clean": "0.4.6"}


def test_the_waivers_file_parses() -> None:
    gate.read_waivers(gate.WAIVERS)
