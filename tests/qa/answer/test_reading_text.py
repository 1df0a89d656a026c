"""What the reader reads: a table row under its heading and columns, a command or a list
item after the sentence that introduces it, anything else as it is."""

from __future__ import annotations

from qa.answer.reading_text import reading_text
from qa.chunking import chunk_document
from qa.load.html import read_html
from qa.loading import load_structured, load_text
from qa.types import Document, Span


def html_document(markup: str) -> tuple[Document, list[Span]]:
    page = read_html(markup)
    document = load_structured(page.text, page.blocks, title=page.title or "Page")
    sentences, _ = chunk_document(document)
    return document, sentences


def read(document: Document, sentences: list[Span], needle: str) -> str:
    row = next(n for n, s in enumerate(sentences) if needle in document.text[s.start : s.end])
    return reading_text(document, sentences, row)


def test_a_table_row_is_read_under_its_heading_and_column_names() -> None:
    document, sentences = html_document(
        "<body><h2>Semicolons</h2><p>Print semicolons at the ends of statements.</p>"
        "<table><tr><th>Default</th><th>CLI Override</th></tr>"
        "<tr><td>true</td><td>--no-semi</td></tr></table></body>"
    )

    assert read(document, sentences, "--no-semi") == (
        "Semicolons: Default: true; CLI Override: --no-semi"
    )


def test_a_key_value_row_without_a_header_is_read_as_key_and_value() -> None:
    document, sentences = html_document(
        "<body><h1>Mozilla</h1><p>Mozilla is a community.</p>"
        "<table><tr><td>Founded</td><td>February 28, 1998</td></tr>"
        "<tr><td>Founder</td><td>Netscape</td></tr></table></body>"
    )

    assert read(document, sentences, "February") == "Mozilla: Founded: February 28, 1998"


def test_the_header_row_itself_is_read_as_it_is() -> None:
    document, sentences = html_document(
        "<body><h2>Options</h2><table><tr><th>Name</th><th>Meaning</th></tr>"
        "<tr><td>semi</td><td>semicolons</td></tr></table></body>"
    )

    assert read(document, sentences, "Name") == "Name | Meaning"


def test_a_command_is_read_after_the_sentence_that_introduces_it() -> None:
    document, sentences = html_document(
        "<body><h2>Client</h2><p>Install the header files first.</p>"
        "<p>On Debian / Ubuntu based systems:</p><pre>$ sudo apt-get install libpq-dev</pre>"
        "</body>"
    )

    assert read(document, sentences, "libpq-dev") == (
        "On Debian / Ubuntu based systems:\n$ sudo apt-get install libpq-dev"
    )


def test_a_command_after_a_sentence_that_does_not_introduce_it_is_read_alone() -> None:
    document, sentences = html_document(
        "<body><p>Install the header files first.</p><pre>$ make install</pre></body>"
    )

    assert read(document, sentences, "make install") == "$ make install"


def test_a_list_item_is_read_after_the_lists_lead_in() -> None:
    document, sentences = html_document(
        "<body><p>Valid options:</p><ul><li>consistent - quote all properties.</li>"
        "<li>preserve - keep the input's quotes.</li></ul></body>"
    )

    assert read(document, sentences, "preserve") == (
        "Valid options:\npreserve - keep the input's quotes."
    )


def test_a_plain_sentence_and_a_plain_text_document_are_read_as_they_are() -> None:
    document, sentences = html_document("<body><p>One sentence. Another one here.</p></body>")
    plain = load_text("A plain text. With two sentences.")
    plain_sentences, _ = chunk_document(plain)

    assert read(document, sentences, "Another") == "Another one here."
    assert reading_text(plain, plain_sentences, 1) == "With two sentences."
