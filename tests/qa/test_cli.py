"""The `qa` command: one-line errors with exit code 2, and the happy paths."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from qa import Assistant, cli
from qa.answer.reader import Reading


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, fake_encoder: Any) -> Any:
    """Every assistant the CLI builds uses the fake encoder (no model load)."""
    encoder = fake_encoder
    import qa.assistant

    monkeypatch.setattr(qa.assistant, "default_embedder", lambda model=None: encoder)
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
    lines = out.splitlines()
    quote = lines[next(i for i, line in enumerate(lines) if line.startswith("(confidence")) - 1]
    assert "vaccine" in quote  # under the short answer, when the reader gives one
    assert ">>" in out and "<<" in out and "[1] Xi and Putin" in out


def test_ask_json_has_text_found_and_sources_with_offsets(
    fake_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", "What did Xi say about vaccine supply?", "--json", "--top-k", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True and len(data["sources"]) == 2
    assert {"start", "end", "answer_start", "answer_end", "number"} <= set(data["sources"][0])


class WordReader:
    """A stand-in reader: sentences holding `word` answer, and the phrase is the word."""

    def __init__(self, word: str) -> None:
        self.word = word

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        out = []
        for text in sentences:
            at = text.find(self.word)
            span = (at, at + len(self.word)) if at >= 0 else (0, 1)
            out.append(Reading(12.0 if at >= 0 else -12.0, span, -0.1 if at >= 0 else -9.0))
        return out


@pytest.fixture
def word_reader(monkeypatch: pytest.MonkeyPatch, fake_model: Any) -> WordReader:
    """The CLI's assistants read with a stand-in reader pointing at "vaccine"."""
    import qa.assistant

    reader = WordReader("vaccine")
    monkeypatch.setattr(qa.assistant, "default_reader", lambda: reader)
    return reader


def test_ask_prints_the_short_answer_first(
    word_reader: WordReader, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", "What did Xi say about vaccine supply?"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "vaccine"
    assert lines[1] == "" and "vaccine" in lines[2] and lines[2].endswith("[1]")


def test_ask_json_has_the_short_answer_and_its_offsets(
    word_reader: WordReader, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", "What did Xi say about vaccine supply?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["short"] == "vaccine"
    cited = [s for s in data["sources"] if s["short_start"] is not None]
    assert [s["text"][s["short_start"] : s["short_end"]] for s in cited] == ["vaccine"]


def test_index_then_ask_from_the_index(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "owls.txt"
    doc.write_text("Owls\n\nThe barn owl hunts mice at night over open fields.", encoding="utf-8")
    assert cli.main(["index", str(doc), "--out", str(tmp_path / "idx"), "--quiet"]) == 0
    assert "Indexed 1 document," in capsys.readouterr().out
    assert cli.main(["ask", "What does the barn owl hunt?", "--index", str(tmp_path / "idx")]) == 0
    assert "mice" in capsys.readouterr().out


def _site(tmp_path: Path) -> list[Path]:
    """A page, its copy under another name, a redirect stub and a broken PDF."""
    text = "Owls\n\nThe barn owl hunts mice at night over open fields."
    owls, copy = tmp_path / "owls.txt", tmp_path / "owls-again.md"
    owls.write_text(text, encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    stub = tmp_path / "old.html"
    stub.write_text(
        '<html><head><meta http-equiv="refresh" content="0; url=owls.html"></head></html>',
        encoding="utf-8",
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 cut off")
    return [owls, copy, stub, broken]


def test_index_prints_a_line_per_input_and_the_totals(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    owls, copy, stub, broken = _site(tmp_path)
    paths = [str(p) for p in (owls, copy, stub, broken)]

    assert cli.main(["index", *paths, "--out", str(tmp_path / "idx"), "--quiet"]) == 0

    passages = Assistant(fake_model).index([owls]).passages
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["status", "passages", "input"]
    assert lines[1].split()[:3] == ["indexed", str(passages), str(owls)]
    assert lines[2] == f"skipped         -  {copy}  (duplicate of {owls})"
    assert lines[3] == f"skipped         -  {stub}  (redirect stub to owls.html)"
    assert lines[4].startswith(f"failed          -  {broken}  (broken.pdf is not a readable PDF")
    assert lines[5] == f"4 inputs: 1 indexed ({passages} passages), 2 skipped, 1 failed"
    assert lines[6].startswith(f"Indexed 1 document, {passages} passages -> ")


def test_index_json_is_the_apis_report_for_the_same_inputs(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _site(tmp_path)
    assert cli.main(["index", *map(str, paths), "--out", str(tmp_path / "idx"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)

    report = Assistant(fake_model).index(paths)
    assert printed == report.to_dict()
    assert printed["counts"] == {
        "inputs": 4,
        "indexed": 1,
        "skipped": 2,
        "failed": 1,
        "passages": report.passages,
        "warnings": 1,
    }


def test_index_again_reports_duplicates_of_the_index_and_exits_0(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    owls = _site(tmp_path)[0]
    out = ["--out", str(tmp_path / "idx"), "--quiet"]
    assert cli.main(["index", str(owls), *out]) == 0
    capsys.readouterr()

    assert cli.main(["index", str(owls), *out]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"skipped         -  {owls}  (duplicate of owls.txt (already indexed))"


def test_index_reads_a_folder_and_reports_what_it_leaves_out(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in _site(tmp_path):
        path.rename(docs / path.name)
    (docs / "logo.png").write_bytes(b"PNG")

    assert cli.main(["index", str(docs), "--out", str(tmp_path / "idx"), "--json"]) == 0

    entries = json.loads(capsys.readouterr().out)["entries"]
    assert [(Path(e["input"]).name, e["status"]) for e in entries] == [
        ("broken.pdf", "failed"),
        ("old.html", "skipped"),
        ("owls-again.md", "indexed"),
        ("owls.txt", "skipped"),
        ("logo.png", "skipped"),
    ]


def test_index_with_nothing_to_index_exits_2_before_loading_the_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_model() -> Any:
        raise AssertionError("the model must not load")

    monkeypatch.setattr(cli, "_embedder", no_model)
    _, _, stub, broken = _site(tmp_path)
    index = tmp_path / "idx"

    assert cli.main(["index", str(stub), str(broken), "--out", str(index), "--json"]) == 2

    captured = capsys.readouterr()
    assert json.loads(captured.out)["counts"]["failed"] == 1
    assert captured.err.startswith(
        f"qa index: error: Nothing was indexed: {stub}: redirect stub to owls.html; {broken}: "
    )
    assert captured.err.count("\n") == 1
    assert not index.exists()


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


def _real_docs_like_set(folder: Path) -> Path:
    """A folder of two documents and a JSONL set naming them by file name, by kind."""
    docs = folder / "docs"
    docs.mkdir()
    (docs / "owls.md").write_text(
        "# Owls\n\nThe barn owl hunts mice at night over open fields. It nests in old barns.\n",
        encoding="utf-8",
    )
    (docs / "bees.txt").write_text(
        "Bees\n\nHoney bees make honey from the nectar of flowers. A hive holds one queen.\n",
        encoding="utf-8",
    )
    records = [
        ("What does the barn owl hunt?", "owls.md", ["mice"], True, "prose"),
        ("What do honey bees make?", "bees.txt", ["honey"], True, "code"),
        ("Which train leaves the station at noon?", "bees.txt", [], False, "prose"),
    ]
    path = folder / "questions.jsonl"
    path.write_text(
        "".join(
            json.dumps({"question": q, "document": d, "answers": a, "answerable": ok, "kind": k})
            + "\n"
            for q, d, a, ok, k in records
        ),
        encoding="utf-8",
    )
    return path


def test_eval_over_a_folder_groups_by_kind_in_the_table_and_the_json(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = _real_docs_like_set(tmp_path)
    out_json = tmp_path / "r.json"

    plot = tmp_path / "p.png"
    options = ["--by", "kind", "--json", str(out_json), "--plot", str(plot), "--no-refusal"]
    code = cli.main(["eval", str(dataset), "--docs", str(tmp_path / "docs"), *options, "--quiet"])

    assert code == 0
    out = capsys.readouterr().out
    assert "questions: 2 answerable questions, 1 unanswerable" in out
    assert "By kind (hybrid):" in out
    assert out.split("By kind (hybrid):")[1].split()[:7] == [
        "kind", "answerable", "hit@3", "ans.acc", "unanswerable", "declined", "code"
    ]  # fmt: skip
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["by"] == "kind"
    groups = report["configs"][0]["groups"]
    assert sorted(groups) == ["code", "prose"]
    assert groups["prose"]["answerable"] == 1 and groups["prose"]["unanswerable"] == 1
    assert groups["prose"]["declined"] == 1.0
    assert groups["code"]["declined"] is None
    assert groups["code"]["gold_at_3"] == 1.0 and groups["code"]["answered_right"] == 1.0
    assert report["configs"][0]["metrics"]["declined"] == 1.0
    with Image.open(plot) as image:  # two panels: configurations, and groups
        assert image.size[0] > 1.8 * image.size[1]


def test_eval_names_an_unknown_document(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = _real_docs_like_set(tmp_path)
    (tmp_path / "docs" / "bees.txt").unlink()

    assert cli.main(["eval", str(dataset), "--docs", str(tmp_path / "docs"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "question 2 names unknown document 'bees.txt'" in err
    assert err.count("\n") == 1


def test_eval_reports_the_files_of_a_folder_it_skips(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = _real_docs_like_set(tmp_path)
    (tmp_path / "docs" / "slides.pptx").write_bytes(b"PK\x03\x04")

    code = cli.main(
        ["eval", str(dataset), "--docs", str(tmp_path / "docs"), "--no-refusal", "--quiet"]
    )

    assert code == 0
    skipped = f"qa eval: skipped {tmp_path / 'docs' / 'slides.pptx'}: unsupported format .pptx"
    assert skipped in capsys.readouterr().err.splitlines()


def test_eval_by_a_field_no_question_has_is_one_line(
    fake_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = _real_docs_like_set(tmp_path)

    code = cli.main(
        ["eval", str(dataset), "--docs", str(tmp_path / "docs"), "--by", "format", "--quiet"]
    )

    assert code == 2
    assert "Cannot group questions by 'format'" in capsys.readouterr().err


def test_index_reads_a_word_document(
    fake_model: Any, docx_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", str(docx_file), "--out", str(tmp_path / "idx"), "--quiet"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[0] == "indexed" and lines[1].endswith(str(docx_file))
    assert lines[2].startswith("1 input: 1 indexed (1 passage), 0 skipped")
