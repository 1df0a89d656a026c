"""Structure quoted whole: lead-in plus what it introduces, caption plus code, header plus row."""

from __future__ import annotations

from qa.answer.structured import structured_range
from qa.load.html import read_html
from qa.loading import load_structured
from qa.types import Document

PAGE = (
    "<body><p>On Debian based systems:</p><pre>$ sudo apt-get install libpq-dev</pre>"
    "<p>The options are:</p><ul><li>fast mode</li><li>safe mode</li></ul>"
    "<table><tr><th>Counter</th><th>Meaning</th></tr><tr><td>a.b</td><td>errors</td></tr>"
    "<tr><td>c.d</td><td>requests</td></tr></table><p>Plain prose stays as it is.</p></body>"
)


def document() -> Document:
    page = read_html(PAGE)
    return load_structured(page.text, page.blocks, title="Setup")


def quoted(doc: Document, needle: str, limit: int = 800) -> str:
    start = doc.text.index(needle)
    a, b = structured_range(doc, (0, len(doc.text)), (start, start + len(needle)), limit)
    return doc.text[a:b]


def test_a_lead_in_is_quoted_with_the_command_it_introduces() -> None:
    assert quoted(document(), "On Debian based systems:") == (
        "On Debian based systems:\n\n$ sudo apt-get install libpq-dev"
    )


def test_code_is_quoted_with_the_sentence_that_introduces_it() -> None:
    assert quoted(document(), "$ sudo apt-get install libpq-dev").startswith("On Debian")


def test_a_list_item_is_quoted_with_its_lead_in_and_a_lead_in_with_its_items() -> None:
    doc = document()

    assert quoted(doc, "safe mode") == "The options are:\n\nfast mode\nsafe mode"
    assert quoted(doc, "The options are:") == "The options are:\n\nfast mode\nsafe mode"


def test_a_table_row_is_quoted_with_its_header_row() -> None:
    assert quoted(document(), "c.d | requests") == (
        "Counter | Meaning\na.b | errors\nc.d | requests"
    )


def test_nothing_is_widened_past_the_limit_or_for_plain_prose() -> None:
    doc = document()

    assert quoted(doc, "c.d | requests", limit=20) == "c.d | requests"
    assert quoted(doc, "Plain prose stays as it is.") == "Plain prose stays as it is."
    plain = Document(id="x", title="t", text="Run this:\n\nls -l")
    assert structured_range(plain, (0, 16), (0, 9), 800) == (0, 9)
