"""The `qa` command: one-line errors with exit code 2, and the happy paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qa import cli


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, fake_encoder: Any) -> Any:
    """Every assistant the CLI builds uses the fake encoder (no model load)."""
    encoder = fake_encoder
    import qa.api

    monkeypatch.setattr(qa.api, "default_embedder", lambda model=None: encoder)
    monkeypatch.setattr(cli, "_embedder", lambda: encoder)
    return encoder


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("   ", "The question is empty"),
        ("?!", "no words"),
        ("x" * 5000, "the limit is 2,000"),
    ],
)
def test_bad_questions_exit_2_with_one_line(
    question: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", question]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_document_is_named(fake_model: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ask", "What?", "--docs", "/no/such/file.txt"]) == 2
    assert "File not found: /no/such/file.txt" in capsys.readouterr().err


def test_ask_prints_the_answer_and_its_highlighted_source(
    fake_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", "What did Xi say about vaccine supply?"]) == 0
    out = capsys.readouterr().out
    assert "vaccine" in out.splitlines()[0]
    assert ">>" in out and "<<" in out and "[1] Xi and Putin" in out


def test_ask_json_has_text_found_and_sources_with_offsets(
    fake_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", "What did Xi say about vaccine supply?", "--json", "--top-k", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True and len(data["sources"]) == 2
    assert {"start", "end", "answer_start", "answer_end", "number"} <= set(data["sources"][0])


def test_index_then_ask_from_the_index(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "owls.txt"
    doc.write_text("Owls\n\nThe barn owl hunts mice at night over open fields.", encoding="utf-8")
    assert cli.main(["index", str(doc), "--out", str(tmp_path / "idx"), "--quiet"]) == 0
    assert "Indexed 1 documents" in capsys.readouterr().out
    assert cli.main(["ask", "What does the barn owl hunt?", "--index", str(tmp_path / "idx")]) == 0
    assert "mice" in capsys.readouterr().out


def test_eval_reports_a_table_json_and_plot(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "set.json"
    dataset.write_text(
        json.dumps(
            {
                "documents": [
                    {"title": "Owls", "text": "The barn owl hunts mice at night."},
                    {"title": "Bees", "text": "Honey bees make honey from nectar."},
                ],
                "questions": [
                    {
                        "question": "What does the barn owl hunt?",
                        "answers": ["mice"],
                        "document": "Owls",
                    },
                    {
                        "question": "What do honey bees make?",
                        "answers": ["honey"],
                        "document": "Bees",
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    code = cli.main(
        [
            "eval",
            str(dataset),
            "--compare",
            "hybrid,bm25",
            "--json",
            str(tmp_path / "r.json"),
            "--plot",
            str(tmp_path / "p.png"),
            "--failures",
            "3",
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "hybrid" in out and "bm25" in out and "hit@1" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in report["configs"]] == ["hybrid", "bm25"]
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_unknown_compare_name_is_refused(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "set.jsonl"
    dataset.write_text('{"question": "q?", "answers": ["a"]}\n', encoding="utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text("a b c", encoding="utf-8")
    assert cli.main(["eval", str(dataset), "--docs", str(doc), "--compare", "magic"]) == 2
    assert "Unknown configuration 'magic'" in capsys.readouterr().err


def test_help_runs_without_loading_a_model() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "--compare" in done.stdout
