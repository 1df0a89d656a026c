"""The PDF-library benchmark's plumbing on a tiny PDF: every installed extractor, no model.

pypdf is always installed; pdfminer.six, pdfplumber and pypdfium2 are measured, not
shipped, so their extractors run here only where they are installed. The assistant is
built with the tests' FakeEncoder (no answer stage), so the figures are not checked,
only that they are counted.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from benchmarks.pdf_libraries import (
    EXTRACTORS,
    NAMES,
    Extractor,
    page_count,
    parse_only,
    render,
    run,
    speeds,
)
from qa import Assistant
from qa.types import Document

INSTALLED = [e for e in EXTRACTORS if e.available()]


@pytest.fixture
def dataset(tmp_path: Path, make_pdf: Callable[[Sequence[str]], bytes]) -> Path:
    """A development set in miniature: one two-page PDF, a note, and three questions."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "solar.pdf").write_bytes(
        make_pdf(["Solar panels on the roof since 2019.", "The battery stores ten kWh."])
    )
    (docs / "notes.md").write_text("# Notes\n\nNot a PDF.\n")
    questions = [
        {"question": "How much does the battery store?", "answers": ["ten kWh"]},
        {"question": "When were the panels fitted?", "answers": ["2019"]},
        {"question": "What colour is the roof?", "answers": [], "answerable": False},
        {"question": "What is in the notes?", "answers": ["Not a PDF"], "document": "notes.md"},
    ]
    (tmp_path / "questions.jsonl").write_text(
        "".join(
            json.dumps({"document": "solar.pdf", "answerable": True, "kind": "prose"} | question)
            + "\n"
            for question in questions
        )
    )
    return tmp_path


def fake_factory(encoder: Any) -> Callable[[Sequence[Document]], Assistant]:
    def make(documents: Sequence[Document]) -> Assistant:
        assistant = Assistant.from_texts([], embedder=encoder)
        assistant.add_documents(documents)
        return assistant

    return make


def test_pypdf_and_our_reader_are_always_available() -> None:
    assert {"ours", "pypdf", "pypdf-layout"} <= {e.name for e in INSTALLED}


@pytest.mark.parametrize("extractor", INSTALLED, ids=lambda e: e.name)
def test_each_installed_extractor_makes_a_document_of_every_page(
    extractor: Extractor, dataset: Path
) -> None:
    path = dataset / "docs" / "solar.pdf"

    document = extractor.load(path)

    assert Path(document.source).name == "solar.pdf", "questions are matched by file name"
    assert "Solar panels on the roof since 2019." in document.text
    assert "ten kWh" in document.text
    if extractor.name != "ours":
        assert document.title == "solar"


def test_the_run_scores_the_pdf_questions_and_skips_what_is_not_installed(
    dataset: Path, fake_encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = EXTRACTORS[-1]
    installed = {e.name for e in INSTALLED} - {missing.name}  # CI has pypdf only
    monkeypatch.setattr(type(missing), "available", lambda self: self.name in installed)

    measured = run(dataset, NAMES, fake_factory(fake_encoder), repeat=1)

    assert [m.name for m in measured] == list(NAMES)
    assert measured[-1].skipped and measured[-1].files == 0
    assert {m.name for m in measured if not m.skipped} == installed
    for m in (m for m in measured if m.name in installed):
        assert not m.skipped and not m.failed, m.name
        assert m.files == 1, "the .md file is not a PDF"
        assert (m.answerable, m.unanswerable) == (2, 1), "the notes.md question is not asked"
        assert m.gold_at_3 == 2, "one short passage holds both answers"
        assert m.answered_right <= 2 and m.declined <= 1
        assert m.passages >= 1 and 0 <= m.ends_mid_sentence <= m.passages
        assert m.pages_per_second is not None and m.pages_per_second > 0
        assert len(m.questions) == 3
    table = render(measured)
    assert f"{missing.name}: skipped, {missing.distribution} is not installed" in table
    assert any(line.startswith("ours ") and "/2" in line for line in table.splitlines())


def test_a_library_failing_on_a_file_is_noted_not_fatal(
    dataset: Path, fake_encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path) -> Document:
        raise ValueError("bad xref")

    monkeypatch.setattr(
        "benchmarks.pdf_libraries.EXTRACTORS",
        (Extractor("broken", "always fails", "pypdf", "pypdf", broken),),
    )

    (measured,) = run(dataset, ["broken"], fake_factory(fake_encoder), repeat=1)

    assert measured.failed == {"solar.pdf": "ValueError: bad xref"}
    assert measured.files == 0 and measured.pages_per_second is None
    assert "broken: failed on solar.pdf: ValueError: bad xref" in render([measured])


def test_speed_interleaves_the_reads_and_skips_a_file_a_library_fails_on(dataset: Path) -> None:
    path = dataset / "docs" / "solar.pdf"
    calls: list[str] = []

    def reading(name: str) -> Callable[[Path], Document]:
        def load(p: Path) -> Document:
            calls.append(name)
            if name == "broken":
                raise ValueError("bad xref")
            return EXTRACTORS[1].load(p)

        return load

    figures = speeds({n: reading(n) for n in ("a", "b", "broken")}, [path], repeat=2)

    assert calls == ["a", "b", "broken"] * 2
    assert set(figures) == {"a", "b", "broken"} and figures["broken"] == {}
    assert figures["a"]["solar.pdf"] > 0 and figures["b"]["solar.pdf"] > 0
    assert page_count(path) == 2


def test_only_takes_known_extractor_names() -> None:
    assert parse_only("ours, PDFMINER") == ["ours", "pdfminer"]
    with pytest.raises(argparse.ArgumentTypeError):
        parse_only("ours,pymupdf")
