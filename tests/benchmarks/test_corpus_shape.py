"""The corpus-shape benchmark's counting, on a folder built by hand."""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpus_shape import listings_in, run


def test_listings_are_counted_as_pre_elements_or_fence_pairs() -> None:
    assert listings_in("<p>x</p><pre>a</pre><PRE class='c'>b</PRE><prefix>", "html") == 2
    assert listings_in("text\n```sh\nls\n```\n\n~~~\ncat\n~~~\n", "md") == 2


def test_a_folder_is_measured_per_format_with_skips_counted(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        "<html><body><h1>Install</h1><p>Run this, and\nthen wait:</p>"
        "<pre>pip install kinto</pre><p>That is all.</p></body></html>"
    )
    (tmp_path / "b.md").write_text("# Title\n\nA sentence that\nwraps.\n\n```\nls\n```\n")
    (tmp_path / "empty.html").write_text("<html><body></body></html>")
    (tmp_path / "notes.txt").write_text("not measured")

    shapes = {s.format: s for s in run([tmp_path])}

    assert set(shapes) == {"html", "md"}
    assert shapes["html"].files == 2 and sum(shapes["html"].skipped.values()) == 1
    assert shapes["html"].listings_in_source == shapes["html"].code_blocks_loaded == 1
    assert shapes["md"].listings_in_source == shapes["md"].code_blocks_loaded == 1
    assert shapes["html"].passages >= 1 and shapes["html"].ends_mid_sentence == 0
