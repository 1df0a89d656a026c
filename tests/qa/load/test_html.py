"""The HTML reader: a page read as a browser shows its main content, with its structure."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import EmptyDocumentError, RedirectPageError
from qa.load.html import read_html, split_site_name
from qa.loading import load_path
from qa.types import CONTAINER_KINDS, Document


@pytest.fixture
def docs_page(files_dir: Path) -> Document:
    """A Sphinx-style documentation page: sidebar, breadcrumbs, listing, table, modal."""
    return load_path(files_dir / "docs_page.html")


def blocks_of(document: Document, kind: str) -> list[str]:
    return [document.text[b.start : b.end] for b in document.blocks if b.kind == kind]


def test_a_paragraph_wrapped_around_inline_code_is_one_line_of_text(docs_page: Document) -> None:
    assert (
        "The hive server reads its settings from hive.ini when it starts, and the --config "
        "option points it at another file." in blocks_of(docs_page, "paragraph")
    )


def test_a_listing_keeps_its_caption_and_its_lines(docs_page: Document) -> None:
    assert blocks_of(docs_page, "code") == ["$ hive serve --port 9000\n$ hive status"]
    assert blocks_of(docs_page, "caption") == ["Listing 1 Starting on another port"]


def test_a_list_is_one_block_holding_its_items(docs_page: Document) -> None:
    assert blocks_of(docs_page, "list") == [
        "ports below 1024 need root,\nthe default port is 8450."
    ]
    assert blocks_of(docs_page, "list_item") == [
        "ports below 1024 need root,",
        "the default port is 8450.",
    ]


def test_table_rows_are_blocks_and_the_header_row_is_marked(docs_page: Document) -> None:
    rows = [b for b in docs_page.blocks if b.kind == "table_row"]

    assert [docs_page.text[r.start : r.end] for r in rows] == [
        "Counter | Meaning",
        "hive.requests | requests served",
        "hive.errors | requests that failed",
    ]
    assert [r.header for r in rows] == [True, False, False]


def test_headings_carry_levels_and_every_block_knows_its_heading_path(docs_page: Document) -> None:
    headings = [
        (docs_page.text[b.start : b.end], b.level) for b in docs_page.blocks if b.kind == "heading"
    ]
    code = next(b for b in docs_page.blocks if b.kind == "code")

    assert headings == [("Running the server", 1), ("Listening port", 2)]
    assert code.path == ("Running the server", "Listening port")


def test_navigation_search_breadcrumbs_footer_permalinks_and_overlays_are_gone(
    docs_page: Document,
) -> None:
    for chrome in (
        "Search docs",
        "Installation",
        "View page source",
        "Docs",
        "Next",
        "Copyright",
        "Open search",
        "¶",
        "analytics",
    ):
        assert chrome not in docs_page.text


def test_the_site_name_is_split_off_the_title_and_kept(docs_page: Document) -> None:
    assert docs_page.title == "Running the server"
    assert docs_page.site == "Beekeeper 2.1 documentation"


def test_a_title_is_split_only_where_one_side_is_the_pages_heading() -> None:
    assert split_site_name("Mozilla - Wikipedia", "Mozilla") == ("Mozilla", "Wikipedia")
    assert split_site_name("MkDocs | Deploying", "Deploying") == ("Deploying", "MkDocs")
    assert split_site_name("Python 3 - What's new", "Release notes") == (
        "Python 3 - What's new",
        "",
    )
    assert split_site_name(None, "Heading") == ("Heading", "")


def test_a_meta_refresh_stub_is_skipped_with_where_it_points(tmp_path: Path) -> None:
    path = tmp_path / "old.html"
    path.write_text(
        '<html><head><meta http-equiv="refresh" content="0; url=../new/page.html"></head>'
        '<body><p>Redirecting to <a href="../new/page.html">../new/page.html</a>...</p>'
        "</body></html>",
        encoding="utf-8",
    )

    with pytest.raises(
        RedirectPageError, match=r"old\.html is a redirect stub .*\.\./new/page\.html"
    ) as caught:
        load_path(path)

    assert caught.value.target == "../new/page.html"
    assert isinstance(caught.value, EmptyDocumentError)


def test_a_near_empty_redirecting_page_without_meta_refresh_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "moved.html"
    path.write_text("<html><body><p>Redirecting…</p></body></html>", encoding="utf-8")

    with pytest.raises(RedirectPageError, match=r"moved\.html is a redirect stub"):
        load_path(path)


def test_a_page_whose_content_is_a_list_of_links_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    links = "".join(
        f'<li><a href="c{n}.html">Chapter {n}: the {w}</a></li>'
        for n, w in enumerate(["hive", "bees", "honey"])
    )
    path.write_text(
        f"<html><body><main><h1>Contents</h1><ul>{links}</ul></main></body></html>",
        encoding="utf-8",
    )

    document = load_path(path)

    assert blocks_of(document, "list_item") == [
        "Chapter 0: the hive",
        "Chapter 1: the bees",
        "Chapter 2: the honey",
    ]


def test_br_breaks_a_line_and_pre_keeps_blank_lines_and_indentation() -> None:
    page = read_html(
        "<body><p>Line one<br>line two</p><pre>def f():\n    return 1\n\n\nf()\n</pre></body>"
    )

    assert page.text == "Line one\nline two\n\ndef f():\n    return 1\n\n\nf()"


def test_hidden_elements_and_template_text_are_not_read() -> None:
    page = read_html(
        "<body><p>Shown.</p><p hidden>Hidden.</p><div aria-hidden='true'>Aria.</div>"
        "<div style='display: none'>Styled.</div><template>Template.</template>"
        "<noscript>Enable JavaScript.</noscript></body>"
    )

    assert page.text == "Shown."


def test_nested_lists_are_items_with_their_depth() -> None:
    page = read_html(
        "<body><ul><li>Fruit<ul><li>apple</li><li>pear</li></ul></li><li>Bread</li></ul></body>"
    )
    items = [(page.text[b.start : b.end], b.level) for b in page.blocks if b.kind == "list_item"]

    assert page.text == "Fruit\napple\npear\nBread"
    assert items == [("Fruit\napple\npear", 1), ("apple", 2), ("pear", 2), ("Bread", 1)]


def test_a_block_quote_is_a_container_of_its_paragraphs() -> None:
    page = read_html(
        "<body><p>He said:</p><blockquote><p>Bees first.</p><p>Then honey.</p></blockquote></body>"
    )
    quote = next(b for b in page.blocks if b.kind == "quote")

    assert page.text[quote.start : quote.end] == "Bees first.\n\nThen honey."


# ----- properties ----------------------------------------------------------------------------
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé&<>", min_size=1, max_size=8).map(
    lambda w: w.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)
_GAP = st.sampled_from([" ", "\n", "  \n\t ", "\n\n", "\u00a0"])
_INLINE = st.sampled_from(
    ["{}", "<code>{}</code>", "<em>{}</em>", "<a href='#'>{}</a>", "<span>{}</span>"]
)


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[str, str]:
    """(markup of a <p> with wrapped lines and inline tags, the words a browser shows)."""
    words = draw(st.lists(_WORD, min_size=1, max_size=12))
    markup = ""
    for word in words:
        markup += draw(_INLINE).format(word) + draw(_GAP)
    import html

    return f"<p>{draw(_GAP)}{markup}</p>", " ".join(html.unescape(w) for w in words)


@st.composite
def page(draw: st.DrawFn) -> tuple[str, list[str]]:
    parts: list[str] = []
    shown: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["p", "ul", "h2", "pre"]))
        if kind == "p":
            markup, text = draw(paragraph())
            parts.append(markup)
            shown.append(text)
        elif kind == "ul":
            items = draw(st.lists(paragraph(), min_size=1, max_size=3))
            parts.append("<ul>" + "".join(f"<li>{m[3:-4]}</li>" for m, _ in items) + "</ul>")
            shown.append("\n".join(t for _, t in items))
        elif kind == "h2":
            markup, text = draw(paragraph())
            parts.append(f"<h2>{markup[3:-4]}</h2>")
            shown.append(text)
        else:
            lines = draw(
                st.lists(st.sampled_from(["x = 1", "  y = 2", "", "}"]), min_size=1, max_size=4)
            )
            code = "\n".join(lines)
            if code.strip():
                parts.append(f"<pre>{code}</pre>")
                shown.append(code.strip("\n").rstrip())
    return "<html><body><main>" + draw(_GAP).join(parts) + "</main></body></html>", shown


@settings(max_examples=150, deadline=None)
@given(page())
def test_property_the_text_is_the_blocks_as_shown_and_offsets_slice_it_exactly(
    case: tuple[str, list[str]],
) -> None:
    markup, shown = case
    rendered = read_html(markup)

    assert rendered.text == "\n\n".join(shown)
    for block in rendered.blocks:
        piece = rendered.text[block.start : block.end]
        assert piece.strip()
        assert piece == (piece.rstrip() if block.kind == "code" else piece.strip())  # indents stay
        if block.kind not in CONTAINER_KINDS and block.kind != "list_item":
            assert "\n\n" not in piece or block.kind == "code"
    tops = [b for b in rendered.blocks if b.kind in ("paragraph", "list", "heading", "code")]
    assert [rendered.text[b.start : b.end] for b in tops] == shown


# ----- older pages: XHTML declarations and layout tables ---------------------------------
def kinds_and_texts(markup: str) -> list[tuple[str, str]]:
    page = read_html(markup)
    return [(b.kind, page.text[b.start : b.end]) for b in page.blocks]


def test_an_xhtml_page_that_declares_its_encoding_is_read() -> None:
    markup = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Intro</title></head>'
        "<body><p>This document describes libxslt.</p></body></html>"
    )

    assert read_html(markup).text == "This document describes libxslt."


def test_a_page_laid_out_in_a_table_is_read_as_paragraphs_and_lists() -> None:
    markup = (
        "<body><table><tr><td><h1>The XSLT library</h1></td></tr>"
        "<tr><td><table><tr><td>Home</td></tr></table></td>"
        "<td><p>This document describes libxslt.</p><p>Key points:</p>"
        "<ul><li>It is written in C.</li></ul></td></tr></table></body>"
    )

    found = kinds_and_texts(markup)

    assert ("heading", "The XSLT library") in found
    assert ("paragraph", "This document describes libxslt.") in found
    assert ("list_item", "It is written in C.") in found
    assert not any("describes" in text for kind, text in found if kind == "table_row")


def test_a_data_table_with_a_paragraph_per_cell_stays_a_table() -> None:
    markup = (
        "<body><table><tr><th><p>Default</p></th><th><p>CLI Override</p></th></tr>"
        "<tr><td><p>true</p></td><td><p>--no-semi</p></td></tr></table></body>"
    )

    rows = [text for kind, text in kinds_and_texts(markup) if kind == "table_row"]

    assert rows == ["Default | CLI Override", "true | --no-semi"]
