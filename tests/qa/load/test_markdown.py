"""The Markdown reader: soft breaks joined, fences whole, lists and tables as blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import EmptyDocumentError
from qa.load.markdown import read_markdown
from qa.loading import load_path

GUIDE = """---
id: install
title: Installing the hive
---

# Hive guide

The hive reads `hive.ini` when it
starts, and the **--config** option points it at
[another file](config.md).

## Ports

The rules are:

- ports below 1024 need root,
- the default port is
  8450.

```sh
$ hive serve --port 9000

$ hive status
```

| Counter | Meaning |
| ------- | ------- |
| `hive.errors` | requests that failed |

> Restart after a change.

<div align="center">
  <img src="logo.png" alt="logo">
</div>
"""


def kinds(page_text: str, blocks: tuple, kind: str) -> list[str]:  # type: ignore[type-arg]
    return [page_text[b.start : b.end] for b in blocks if b.kind == kind]


def test_a_wrapped_paragraph_with_inline_code_and_links_is_one_line_of_words() -> None:
    page = read_markdown(GUIDE)

    assert kinds(page.text, page.blocks, "paragraph")[0] == (
        "The hive reads hive.ini when it starts, and the --config option points it at another file."
    )


def test_a_fenced_block_is_one_code_block_blank_lines_and_all() -> None:
    page = read_markdown(GUIDE)

    assert kinds(page.text, page.blocks, "code") == ["$ hive serve --port 9000\n\n$ hive status"]


def test_lists_tables_and_quotes_are_blocks_and_headings_give_the_path() -> None:
    page = read_markdown(GUIDE)
    rows = [b for b in page.blocks if b.kind == "table_row"]
    code = next(b for b in page.blocks if b.kind == "code")

    assert kinds(page.text, page.blocks, "list_item") == [
        "ports below 1024 need root,",
        "the default port is 8450.",
    ]
    assert [page.text[r.start : r.end] for r in rows] == [
        "Counter | Meaning",
        "hive.errors | requests that failed",
    ]
    assert [r.header for r in rows] == [True, False]
    assert kinds(page.text, page.blocks, "quote") == ["Restart after a change."]
    assert code.path == ("Hive guide", "Ports")


def test_front_matter_is_not_text_and_its_title_titles_the_document(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(GUIDE, encoding="utf-8")

    document = load_path(path)

    assert document.title == "Installing the hive"
    assert "id: install" not in document.text and "---" not in document.text
    assert document.text.startswith("Hive guide\n\nThe hive reads")


def test_without_front_matter_the_top_heading_or_the_file_name_titles_it(tmp_path: Path) -> None:
    top = tmp_path / "a.md"
    top.write_text("Intro line.\n\n# Bees\n\nText.", encoding="utf-8")
    none = tmp_path / "fzf-README.md"
    none.write_text("<div>badge</div>\n\n## Install\n\nRun it.", encoding="utf-8")

    assert load_path(top).title == "Bees"
    assert load_path(none).title == "fzf-README"


def test_raw_html_badges_leave_only_their_visible_text() -> None:
    page = read_markdown(GUIDE)

    assert "<" not in page.text and "logo.png" not in page.text


def test_inline_scripts_and_styles_are_not_text_and_javascript_links_stay_words() -> None:
    page = read_markdown(
        "The keeper wrote <script>window.x=1</script> every night.\n"
        'A lamp <style>p{color:red}</style><img src=x onerror="y()"> was bright.\n'
        "Read [the log](javascript:alert(1)).\n"
    )

    assert "The keeper wrote every night." in page.text
    assert "window.x" not in page.text and "color" not in page.text
    assert "A lamp was bright." in page.text
    assert "onerror" not in page.text


def test_a_markdown_file_with_only_markup_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text("---\ntitle: x\n---\n\n<!-- nothing -->\n", encoding="utf-8")

    with pytest.raises(EmptyDocumentError, match=r"blank\.md is empty"):
        load_path(path)


_WORD = st.text(alphabet="abcxyz*_`[]()#<>&-|\\", min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_WORD, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=8))
def test_property_any_markdown_gives_blocks_that_slice_its_text(lines: list[str]) -> None:
    page = read_markdown("\n".join(lines))

    for block in page.blocks:
        piece = page.text[block.start : block.end]
        assert piece.strip() and block.end <= len(page.text)
