"""The index report: one entry per input, as JSON and as a table, with its counts."""

from __future__ import annotations

import json

import pytest

from embeddings import TextEncoder
from qa import Assistant, ReportEntry

OWLS = "Owls\n\nThe barn owl hunts mice at night over open fields and quiet farmland."


def test_the_report_as_a_dict_is_json_with_counts_and_entries(fake_encoder: TextEncoder) -> None:
    report = Assistant(fake_encoder).index([OWLS, OWLS])

    data = json.loads(json.dumps(report.to_dict()))

    assert data["counts"]["inputs"] == 2 and data["counts"]["skipped"] == 1
    assert data["entries"][1] == {
        "input": "text: Owls",
        "status": "skipped",
        "reason": "duplicate of text: Owls",
        "passages": 0,
        "doc_id": report.entries[0].doc_id,
        "warnings": [],
        "detail": "",
    }


def test_the_table_has_a_line_per_input_and_the_totals(fake_encoder: TextEncoder) -> None:
    report = Assistant(fake_encoder).index([OWLS, "  "])
    table = report.table().splitlines()

    assert table[0].split() == ["status", "passages", "input"]
    assert table[1].startswith("indexed") and "text: Owls" in table[1]
    assert "very little text" in table[1]
    assert table[2].split()[:2] == ["skipped", "-"] and table[2].endswith("(empty)")
    assert table[3] == f"2 inputs: 1 indexed ({report.passages} passages), 1 skipped, 0 failed"


def test_a_status_outside_the_three_is_refused() -> None:
    with pytest.raises(ValueError, match=r"status must be one of indexed, skipped, failed"):
        ReportEntry("a.txt", "lost")  # type: ignore[arg-type]
