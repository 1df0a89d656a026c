"""CI dependency gate (issue 6, item 14): no unwaived advisory in the locked dependencies.

requirements.lock pins every distribution the project and its test extra install (written
by .ci/lock.py; .ci/run installs with `-c requirements.lock`). This gate:

1. checks, offline, that the lock's pins are at or above the fixed releases of the
   advisories we know about (FLOORS), and that what is installed is what the lock pins;
2. runs pip-audit over the lock itself (`-r`, exact pins, no resolution) against OSV,
   which merges the PyPA (PYSEC) and GitHub (GHSA) advisory databases.

Outcomes:
    exit 0  audited, every finding waived in .ci/pip-audit-waivers.txt with a reason;
    exit 1  an unwaived advisory (fix: raise the pin in pyproject.toml and regenerate the
            lock, or waive it), a pin below a known-fixed floor, or an installed version
            that differs from its pin;
    exit 0  with a loud "NOT AUDITED" warning when the advisory service cannot be reached
            (CI runs offline; an outage is not evidence of a vulnerability). Set
            QA_AUDIT_REQUIRED=1 to make an outage fail the run instead.

A trap this guards against: pip-audit's default "pypi" service, behind a file-based
package mirror, skips every package as "not found on PyPI" and still prints "No known
vulnerabilities found" with exit code 0. Here a run that audited nothing is an outage.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

WAIVERS = Path(__file__).with_name("pip-audit-waivers.txt")
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
# Fixed versions of the advisories named in shared/research/reliability.md, checked even
# when no advisory service is reachable.
FLOORS = {
    "gradio": ((6, 20, 0), "CVE-2026-59806 (open redirect / SSRF via /gradio_api/file=)"),
    "torch": ((2, 6, 0), "CVE-2025-32434 (torch.load weights_only bypass)"),
    "starlette": ((0, 40, 0), "CVE-2024-47874 (unbounded multipart fields)"),
    "python-multipart": ((0, 0, 18), "CVE-2024-53981 (CPU DoS before the boundary)"),
    "h11": ((0, 16, 0), "CVE-2025-43859 (chunked-encoding request smuggling)"),
}


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: frozenset[str]  # the advisory id and its aliases
    fixed_in: tuple[str, ...]

    def __str__(self) -> str:
        fix = f"fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "no fixed release"
        return f"{self.package} {self.version}: {', '.join(sorted(self.ids))} ({fix})"


def read_waivers(path: Path) -> dict[str, str]:
    """Advisory id -> the line that waives it (comments and blank lines ignored)."""
    waivers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            waivers[text.split()[0]] = text
    return waivers


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _lock_tool() -> ModuleType:
    """.ci/lock.py, which owns the lock's format (.ci is not a package)."""
    spec = importlib.util.spec_from_file_location("qa_ci_lock", Path(__file__).with_name("lock.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock_tool = _lock_tool()


def below_floors(versions: Mapping[str, str]) -> list[str]:
    """Packages in `versions` (canonical name -> version) older than the fixed release of
    an advisory we know about."""
    problems = []
    for package, (floor, advisory) in FLOORS.items():
        version = versions.get(package)
        if version is not None and _version(version) < floor:
            wanted = ".".join(map(str, floor))
            problems.append(f"{package} {version} < {wanted}: {advisory}; pin >= {wanted}")
    return problems


def drift(pins: Mapping[str, str]) -> list[str]:
    """Locked packages whose installed version is not the pinned one (or is missing)."""
    problems = []
    for package, pinned in sorted(pins.items()):
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            problems.append(f"{package}: installed {installed}, locked {pinned}")
    return problems


def parse_report(report: dict[str, Any]) -> tuple[list[Finding], int, int]:
    """(findings, packages audited, packages skipped) of a pip-audit JSON report."""
    findings = []
    audited = skipped = 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped += 1
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            findings.append(
                Finding(
                    package=dependency["name"],
                    version=dependency.get("version", "?"),
                    ids=frozenset([vuln["id"], *vuln.get("aliases", [])]),
                    fixed_in=tuple(vuln.get("fix_versions", [])),
                )
            )
    return findings, audited, skipped


def verdict(report: dict[str, Any] | None, waivers: dict[str, str]) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one audit run (None: no report at all)."""
    if report is None:
        return _outage("pip-audit produced no report (advisory service unreachable?)")
    findings, audited, skipped = parse_report(report)
    if audited == 0:
        return _outage(f"pip-audit audited none of {skipped} packages (all skipped)")
    lines = [f"pip-audit: {audited} packages audited against OSV, {skipped} skipped."]
    unwaived = [f for f in findings if not f.ids & waivers.keys()]
    lines += [
        f"waived: {f} -- {waivers[min(f.ids & waivers.keys())]}"
        for f in findings
        if f.ids & waivers.keys()
    ]
    used = {i for f in findings for i in f.ids}
    lines += [
        f"warning: waiver matches no finding, remove it: {w}"
        for i, w in waivers.items()
        if i not in used
    ]
    if unwaived:
        lines += [f"ADVISORY: {f}" for f in unwaived]
        lines.append(
            "Raise the pin in pyproject.toml and run python .ci/lock.py, or waive it in"
            " .ci/pip-audit-waivers.txt."
        )
        return 1, lines
    return 0, lines


def _outage(reason: str) -> tuple[int, list[str]]:
    required = os.environ.get("QA_AUDIT_REQUIRED") == "1"
    return (1 if required else 0), [
        f"WARNING: dependencies NOT AUDITED: {reason}.",
        "Only the offline version floors were checked."
        + (" QA_AUDIT_REQUIRED=1: failing." if required else ""),
    ]


def audit_input(pins: Mapping[str, str]) -> str:
    """The lock as pip-audit's requirements: advisories name public versions, so local
    labels are dropped (torch 2.13.0+cpu is audited as torch 2.13.0)."""
    return "".join(f"{name}=={version.split('+')[0]}\n" for name, version in sorted(pins.items()))


def run_pip_audit(pins: Mapping[str, str]) -> dict[str, Any] | None:
    """pip-audit's JSON report on exactly the pinned versions (None if it wrote none)."""
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(audit_input(pins), encoding="utf-8")
        out = Path(scratch) / "audit.json"
        command = [
            *(sys.executable, "-m", "pip_audit", "--vulnerability-service", "osv"),
            # Exact pins: nothing to resolve, so no virtual environment and no pip.
            *("-r", str(requirements), "--no-deps", "--disable-pip"),
            *("--format", "json", "--output", str(out), "--progress-spinner", "off"),
            *("--timeout", "20"),
        ]
        try:
            subprocess.run(command, check=False, timeout=900, capture_output=True)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if not out.is_file():
            return None
        return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def main() -> int:
    pins = lock_tool.read_lock(LOCK)
    print(f"{LOCK.name}: {len(pins)} pinned distributions.")
    problems = [f"BELOW FIXED VERSION: {p}" for p in below_floors(pins)]
    problems += [f"NOT AS LOCKED: {p}" for p in drift(pins)]
    if any(p.startswith("NOT AS LOCKED") for p in problems):
        problems.append('Reinstall with: pip install -c requirements.lock -e ".[test]"')
    print(
        "\n".join(problems)
        if problems
        else "Pins above the known fixed versions; installed as locked."
    )
    code, lines = verdict(run_pip_audit(pins), read_waivers(WAIVERS))
    print("\n".join(lines))
    return 1 if problems else code


if __name__ == "__main__":
    sys.exit(main())
