"""Loading: files of each format and plain strings become clean, titled, content-addressed
Documents; anything unusable is refused with an error that names it."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from qa.chunking import chunk_document
from qa.errors import DocumentError, EmptyDocumentError, UnsupportedFormatError
from qa.loading import (
    FileListing,
    bundled_article_path,
    clean_text,
    document_files,
    load_items,
    load_path,
    load_text,
    looks_like_path,
    supported_suffixes,
)
from qa.types import Document, content_id

HEADLINE = "Xi and Putin Explore Efforts To Achieve Afghan Peace in Phone Call Today"


# ----- formats --------------------------------------------------------------------------
def test_plain_text_title_is_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "diary.txt"
    path.write_text("Monday\n\nIt rained all day.\n", encoding="utf-8")

    document = load_path(path)

    assert document.title == "Monday"
    assert document.text == "Monday\n\nIt rained all day."
    assert document.source == str(path)


def test_a_first_line_too_long_for_a_title_gives_way_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "long-report.txt"
    path.write_text("word " * 100 + "\n\nSecond paragraph.", encoding="utf-8")

    assert load_path(path).title == "long-report"


def test_markdown_title_comes_from_its_heading(files_dir: Path) -> None:
    document = load_path(files_dir / "notes.md")

    assert document.title == "Tea growing in Assam"
    assert "The first flush is picked in March." in document.text


def test_html_keeps_the_article_and_drops_the_site_chrome(files_dir: Path) -> None:
    document = load_path(files_dir / "page.html")

    assert "The Phare d'Eckmühl stands at Penmarch" in document.text
    assert "The last keeper of the Ar-Men lighthouse left in 1990" in document.text
    for chrome in ("Go to home page", "Back to top", "About us", "Copyright", "analytics", "{"):
        assert chrome not in document.text


def test_html_title_comes_from_the_title_element_with_entities_decoded(files_dir: Path) -> None:
    assert load_path(files_dir / "page.html").title == "Lighthouses of Brittany & their keepers"


def test_html_without_a_title_element_is_titled_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "tiny.htm"
    path.write_text(
        "<html><body><script>var x = 1;</script><p>Otters sleep holding hands.</p></body></html>",
        encoding="utf-8",
    )

    document = load_path(path)

    assert document.text == "Otters sleep holding hands."
    assert document.title == "Otters sleep holding hands."


def test_html_passages_hold_whole_paragraphs_of_one_section(files_dir: Path) -> None:
    document = load_path(files_dir / "page.html")

    _, chunks = chunk_document(document)

    # A short section is one passage: its heading and every paragraph, none cut.
    assert [c.text for c in chunks] == [document.text]


def test_pdf_text_comes_page_by_page_separated_by_a_blank_line(pdf_file: Path) -> None:
    document = load_path(pdf_file)

    assert document.text == "Solar panels on the roof (2019).\n\nThe battery stores ten kWh."
    assert document.title == "Solar panels on the roof (2019)."
    assert document.source == str(pdf_file)


def test_a_damaged_pdf_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")

    with pytest.raises(DocumentError, match=r"broken\.pdf is not a readable PDF"):
        load_path(path)


def test_a_string_becomes_a_document_titled_by_its_first_line() -> None:
    document = load_text("Shopping list\n\nEggs, flour and milk.")

    assert document.title == "Shopping list"
    assert document.source == ""
    assert document.text == "Shopping list\n\nEggs, flour and milk."


def test_a_string_keeps_the_title_it_is_given() -> None:
    assert load_text("Eggs, flour and milk.", title="  Shopping  ").title == "Shopping"


def test_only_supported_suffixes_are_listed() -> None:
    assert supported_suffixes() == [
        ".docx",
        ".htm",
        ".html",
        ".markdown",
        ".md",
        ".pdf",
        ".text",
        ".txt",
    ]


# ----- encodings ------------------------------------------------------------------------
def test_utf16_with_a_byte_order_mark_is_decoded(files_dir: Path) -> None:
    document = load_path(files_dir / "utf16-bom.txt")

    assert document.title == "Café crème in Zürich"
    assert "The naïve barista served a crème brûlée at 9 o’clock." in document.text


def test_cp1252_is_decoded_when_the_bytes_are_not_utf8(files_dir: Path) -> None:
    document = load_path(files_dir / "cp1252.txt")

    assert "The café sells a “petit déjeuner” for 12 €, and a crêpe for 4 €." in document.text


def test_utf8_with_a_byte_order_mark_loses_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "Ωmega point".encode())

    assert load_path(path).text == "Ωmega point"


def test_a_binary_file_is_refused_by_name(files_dir: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"binary\.txt looks binary"):
        load_path(files_dir / "binary.txt")


def test_a_bad_utf16_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate

    with pytest.raises(UnsupportedFormatError, match=r"odd\.txt starts with a utf-16 byte-order"):
        load_path(path)


# ----- refusals -------------------------------------------------------------------------
def test_an_unsupported_extension_is_refused_with_the_supported_list(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04")

    message = r"slides\.pptx: unsupported file type '\.pptx'; supported: .*\.pdf"
    with pytest.raises(UnsupportedFormatError, match=message):
        load_path(path)


def test_a_missing_file_is_refused_by_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"File not found: .*missing\.txt"):
        load_path(tmp_path / "missing.txt")


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()

    with pytest.raises(DocumentError, match=r"folder\.txt is not a file"):
        load_path(tmp_path / "folder.txt")


def test_a_file_over_the_size_limit_is_refused(files_dir: Path) -> None:
    with pytest.raises(DocumentError, match=r"notes\.md is 265 bytes; the limit is 100 bytes"):
        load_path(files_dir / "notes.md", max_bytes=100)


@pytest.mark.parametrize(
    "content", ["", "   \n\t\n", "Go to home page\n\nBack to top    Go to home page clear"]
)
def test_an_empty_file_is_refused_with_its_name(tmp_path: Path, content: str) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(EmptyDocumentError, match=r"blank\.txt is empty: it has no text to index"):
        load_path(path)


def test_an_empty_string_is_refused_with_its_title() -> None:
    with pytest.raises(EmptyDocumentError, match=r"Document 'Minutes' is empty"):
        load_text(" \n ", title="Minutes")


def test_a_pdf_with_no_text_is_refused_as_needing_ocr(
    tmp_path: Path, make_pdf: Callable[[Sequence[str]], bytes]
) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([""]))

    with pytest.raises(EmptyDocumentError, match=r"scan\.pdf has no extractable text .*OCR"):
        load_path(path)


def test_something_that_is_not_a_document_is_refused() -> None:
    with pytest.raises(DocumentError, match="Cannot add a int as a document"):
        load_items([42])  # type: ignore[list-item]


# ----- cleaning -------------------------------------------------------------------------
def test_cleaning_normalises_line_ends_controls_and_blank_runs() -> None:
    assert clean_text("  One\r\nTwo\x00\x07\r\n\n\n\n\nThree  ") == "One\nTwo\n\nThree"


def test_cleaning_keeps_a_sentence_that_merely_mentions_navigation_words() -> None:
    text = "Go to the home page of the ministry to read more."

    assert clean_text(text) == text


# ----- identity -------------------------------------------------------------------------
def test_content_id_depends_on_the_text_only() -> None:
    one = load_text("Same words.", title="A")
    two = load_text("Same words.", title="B", source="/somewhere/else.txt")

    assert one.id == two.id == content_id("Same words.")
    assert len(one.id) == 16
    assert load_text("Other words.").id != one.id


def test_content_id_ignores_accent_composition_and_line_ends() -> None:
    composed = load_text("Caf\u00e9 au lait\r\nis hot.")
    decomposed = load_text(unicodedata.normalize("NFD", "Café au lait") + "\nis hot.")

    assert composed.id == decomposed.id


def test_a_text_file_and_its_text_as_a_string_have_the_same_id(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "Tea growing in Assam\n\nThe first flush is picked in March.\n", encoding="utf-8"
    )

    assert load_path(path).id == load_text(path.read_text(encoding="utf-8")).id


def test_a_markdown_file_is_indexed_as_rendered_so_its_id_is_of_the_rendered_text(
    files_dir: Path,
) -> None:
    from_file = load_path(files_dir / "notes.md")

    assert from_file.id == load_path(files_dir / "notes.md").id
    assert from_file.id == load_text(from_file.text).id
    assert from_file.text.startswith("Tea growing in Assam\n\nAssam tea is grown")


# ----- mixed items ----------------------------------------------------------------------
def test_a_string_naming_a_file_is_read_as_the_file(files_dir: Path) -> None:
    path_string = str(files_dir / "notes.md")
    already = Document(id="x", title="t", text="given")

    documents = load_items([path_string, files_dir / "cp1252.txt", "Just some text.", already])

    titles = [d.title for d in documents]
    assert titles == ["Tea growing in Assam", "Price list", "Just some text.", "t"]
    assert documents[3] is already


def test_what_looks_like_a_path() -> None:
    assert looks_like_path("report.pdf")
    assert not looks_like_path("A sentence.\nAnother one.txt")
    assert not looks_like_path("Plain words without a file ending")


# ----- the bundled article --------------------------------------------------------------
def test_the_bundled_article_comes_out_clean() -> None:
    document = load_path(bundled_article_path())

    assert document.title == HEADLINE
    assert document.text.startswith(HEADLINE + "\n\nAug. 25, 2021 (EIRNS)—China’s President")
    assert document.text.endswith("above all between the foreign ministries.")
    assert "Go to home page" not in document.text
    assert "Back to top" not in document.text


# ----- folders ---------------------------------------------------------------------------
def test_a_folder_expands_to_its_documents_and_reports_what_it_skips(tmp_path: Path) -> None:
    (tmp_path / "docs" / "more").mkdir(parents=True)
    (tmp_path / "docs" / ".git").mkdir()
    for name in ("b.md", "a.txt", "more/c.html", "logo.png", ".git/HEAD"):
        (tmp_path / "docs" / name).write_text("x", encoding="utf-8")
    single = tmp_path / "report.pdf"

    listing = document_files([single, tmp_path / "docs"])

    docs = tmp_path / "docs"
    assert listing == FileListing(
        files=[single, docs / "a.txt", docs / "b.md", docs / "more" / "c.html"],
        skipped=[f"{docs / '.git'}: hidden", f"{docs / 'logo.png'}: unsupported format .png"],
    )


def test_a_folder_without_documents_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.pptx").write_text("x", encoding="utf-8")

    with pytest.raises(DocumentError, match=f"Folder {tmp_path} holds no documents"):
        document_files([tmp_path])
