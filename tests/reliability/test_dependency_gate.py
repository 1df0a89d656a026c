"""Issue 6, item 14: the CI dependency gate decides correctly (.ci/pip_audit.py).

The audit itself needs the network and runs in CI; these tests pin down its verdicts on
canned pip-audit reports, including the trap of a run that skipped every package.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import reliability_harness as harness


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


def test_installed_versions_are_above_the_known_fixed_floors() -> None:
    assert gate.below_floors() == []


def test_the_waivers_file_parses() -> None:
    gate.read_waivers(gate.WAIVERS)
