"""Lenient indexing: every input given is accounted for exactly once, in the order given,
and one bad file does not stop the others."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embeddings import TextEncoder
from qa import (
    Assistant,
    IndexReport,
    NothingIndexedError,
    RedirectPageError,
    ReportEntry,
)
from qa.loading import bundled_article_path

OWLS = "Owls\n\nThe barn owl hunts mice at night over open fields and quiet farmland."
REDIRECT = (
    '<html><head><meta http-equiv="refresh" content="0; url=../new/page.html"></head>'
    '<body><p>Redirecting to <a href="../new/page.html">../new/page.html</a>...</p>'
    "</body></html>"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_kind_of_input_gets_its_status_and_reason(
    fake_encoder: TextEncoder, tmp_path: Path, make_pdf: Callable[[Sequence[str]], bytes]
) -> None:
    owls = write(tmp_path, "owls.txt", OWLS)
    again = write(tmp_path, "owls-copy.txt", OWLS)
    stub = write(tmp_path, "old.html", REDIRECT)
    empty = write(tmp_path, "empty.md", "  \n")
    sheet = write(tmp_path, "sheet.xyz", "a,b")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(make_pdf([""]))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    missing = tmp_path / "missing.txt"
    assistant = Assistant(fake_encoder)

    report = assistant.index([owls, again, stub, empty, sheet, scan, broken, missing])

    assert [(e.input, e.status) for e in report.entries] == [
        (str(owls), "indexed"),
        (str(again), "skipped"),
        (str(stub), "skipped"),
        (str(empty), "skipped"),
        (str(sheet), "skipped"),
        (str(scan), "skipped"),
        (str(broken), "failed"),
        (str(missing), "failed"),
    ]
    reasons = [e.reason for e in report.entries]
    assert reasons[:6] == [
        "",
        f"duplicate of {owls}",
        "redirect stub to ../new/page.html",
        "empty",
        "unsupported format .xyz",
        "no text layer (a scanned PDF needs OCR first)",
    ]
    assert reasons[6].startswith("broken.pdf is not a readable PDF")
    assert reasons[7] == f"File not found: {missing}"
    assert report.entries[2].detail.startswith("old.html is a redirect stub (it only points")
    assert report.entries[1].detail == report.entries[0].detail == ""
    [indexed] = report.indexed
    assert indexed.passages == assistant.collection.passage_count > 0
    assert indexed.doc_id == report.entries[1].doc_id == assistant.documents[0].id
    assert indexed.warnings == ("very little text (14 words)",)
    assert report.counts == {
        "inputs": 8,
        "indexed": 1,
        "skipped": 5,
        "failed": 2,
        "passages": indexed.passages,
        "warnings": 1,
    }
    assert assistant.last_report is report


def test_content_already_in_the_collection_is_a_named_duplicate(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    copy = write(tmp_path, "article.txt", bundled_article_path().read_text(encoding="utf-8"))

    [entry] = fake_assistant.index([copy]).entries

    assert entry == ReportEntry(
        str(copy),
        "skipped",
        f"duplicate of {bundled_article_path().name} (already indexed)",
        doc_id=fake_assistant.documents[0].id,
    )
    assert len(fake_assistant.documents) == 1


def test_texts_are_named_by_their_start_and_names_may_be_given(fake_encoder: TextEncoder) -> None:
    assistant = Assistant(fake_encoder)
    report = assistant.index([OWLS, "   "])
    assert [e.input for e in report.entries] == ["text: Owls", "text: (blank)"]
    assert [e.status for e in report.entries] == ["indexed", "skipped"]

    [entry] = assistant.index([OWLS], names=["my owls"]).entries
    assert (entry.input, entry.reason) == ("my owls", "duplicate of “Owls” (already indexed)")
    with pytest.raises(ValueError, match=r"Got 2 names for 1 inputs; they must match\."):
        assistant.index([OWLS], names=["a", "b"])


def test_from_paths_keeps_going_past_bad_files_and_keeps_the_report(
    fake_encoder: TextEncoder, tmp_path: Path
) -> None:
    owls = write(tmp_path, "owls.txt", OWLS)
    stub = write(tmp_path, "old.html", REDIRECT)

    assistant = Assistant.from_paths([stub, owls, tmp_path / "gone.txt"], embedder=fake_encoder)

    assert [d.title for d in assistant.documents] == ["Owls"]
    assert assistant.last_report is not None
    assert [e.status for e in assistant.last_report.entries] == ["skipped", "indexed", "failed"]


def test_from_paths_names_every_failure_when_nothing_could_be_indexed(
    fake_encoder: TextEncoder, tmp_path: Path
) -> None:
    stub = write(tmp_path, "old.html", REDIRECT)
    empty = write(tmp_path, "empty.txt", "")

    with pytest.raises(
        NothingIndexedError,
        match=r"^Nothing was indexed: .*old\.html: redirect stub to \.\./new/page\.html; "
        r".*empty\.txt: empty; .*gone\.txt: File not found: .*gone\.txt$",
    ) as caught:
        Assistant.from_paths([stub, empty, tmp_path / "gone.txt"], embedder=fake_encoder)

    assert isinstance(caught.value.report, IndexReport)
    assert len(caught.value.report.skipped) == 2


def test_add_documents_stays_all_or_nothing(fake_assistant: Assistant, tmp_path: Path) -> None:
    stub = write(tmp_path, "old.html", REDIRECT)
    with pytest.raises(RedirectPageError, match=r"old\.html is a redirect stub"):
        fake_assistant.add_documents([OWLS, stub])
    assert len(fake_assistant.documents) == 1


# ----- property: any mix of inputs, each accounted for once --------------------------------
KINDS = ("good", "duplicate", "empty", "redirect", "unsupported", "missing", "folder", "broken")
EXPECTED = {
    "empty": "skipped",
    "redirect": "skipped",
    "unsupported": "skipped",
    "missing": "failed",
    "folder": "failed",
    "broken": "failed",
}


def make_input(folder: Path, n: int, kind: str, good: list[str]) -> tuple[Path, str | None]:
    """Input number `n` of `kind`, and the text it holds when it can be indexed."""
    if kind == "good" or (kind == "duplicate" and not good):
        text = f"Note {n}\n\nThe lantern number {n} lights the harbour every night at dusk."
        good.append(text)
        return write(folder, f"note{n}.txt", text), text
    if kind == "duplicate":
        text = good[n % len(good)]
        return write(folder, f"copy{n}.md", text), text
    if kind == "empty":
        return write(folder, f"empty{n}.txt", " \n\t"), None
    if kind == "redirect":
        return write(folder, f"stub{n}.html", REDIRECT), None
    if kind == "unsupported":
        return write(folder, f"sheet{n}.xlsx", "cells"), None
    if kind == "folder":
        (folder / f"dir{n}.txt").mkdir()
        return folder / f"dir{n}.txt", None
    if kind == "broken":
        path = folder / f"broken{n}.pdf"
        path.write_bytes(b"%PDF-1.7 truncated")
        return path, None
    return folder / f"missing{n}.txt", None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=10))
def test_every_input_is_named_exactly_once_whatever_the_mix(
    kinds: list[str], fake_encoder: TextEncoder, tmp_path: Path
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    good: list[str] = []
    made = [make_input(folder, n, kind, good) for n, kind in enumerate(kinds)]
    paths = [path for path, _ in made]
    assistant = Assistant(fake_encoder)

    report = assistant.index(paths)

    counts = report.counts
    assert counts["indexed"] + counts["skipped"] + counts["failed"] == len(paths)
    assert [e.input for e in report.entries] == [str(p) for p in paths]
    seen: dict[str, str] = {}  # text -> the input that indexed it
    for entry, kind, (path, text) in zip(report.entries, kinds, made, strict=True):
        if text is None:
            assert entry.status == EXPECTED[kind], (kind, entry)
            assert entry.passages == 0
        elif text in seen:
            assert (entry.status, entry.reason) == ("skipped", f"duplicate of {seen[text]}")
        else:
            seen[text] = str(path)
            assert entry.status == "indexed" and entry.passages > 0
    assert len(assistant.documents) == len(seen) == counts["indexed"]
    assert counts["passages"] == assistant.collection.passage_count


def test_a_folder_stands_for_its_documents_and_what_it_leaves_out_is_reported(
    fake_encoder: TextEncoder, tmp_path: Path
) -> None:
    docs, void = tmp_path / "docs", tmp_path / "void"
    (docs / "more").mkdir(parents=True)
    (docs / ".git").mkdir()
    void.mkdir()
    write(docs, "a.txt", OWLS)
    write(docs / "more", "b.md", "# Bees\n\nHoney bees make honey from nectar all summer.")
    write(docs, "logo.png", "x")

    assistant = Assistant.from_paths([docs, void], embedder=fake_encoder)

    assert assistant.last_report is not None
    assert [(e.input, e.status, e.reason) for e in assistant.last_report.entries] == [
        (str(docs / "a.txt"), "indexed", ""),
        (str(docs / "more" / "b.md"), "indexed", ""),
        (str(docs / ".git"), "skipped", "hidden"),
        (str(docs / "logo.png"), "skipped", "unsupported format .png"),
        (str(void), "skipped", "empty folder"),
    ]
