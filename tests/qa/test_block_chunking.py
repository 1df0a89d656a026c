"""Passages from a structured document's blocks: whole sentences, lead-ins kept with what
they introduce, headings as context and never as answers."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings import TextEncoder
from qa import Assistant, Settings
from qa.answer.config import AnsweringConfig
from qa.block_chunking import heading_path, passage_context
from qa.chunking import ChunkingConfig, chunk_document
from qa.load.html import read_html
from qa.loading import load_path, load_structured
from qa.types import Document


def html_document(markup: str) -> Document:
    page = read_html(markup)
    return load_structured(page.text, page.blocks, title=page.title or "Page")


def passage_with(chunks: list, needle: str) -> str:  # type: ignore[type-arg]
    return next(c.text for c in chunks if needle in c.text)


def long_paragraph(words: str, sentences: int) -> str:
    return " ".join(
        f"{words} number {n} is described here at some length." for n in range(sentences)
    )


def test_a_command_stays_with_the_sentence_that_introduces_it() -> None:
    document = html_document(
        f"<body><h1>Setup</h1><p>{long_paragraph('Step', 14)}</p>"
        "<p>On Debian based systems:</p><pre>$ sudo apt-get install libpq-dev</pre>"
        f"<p>{long_paragraph('Note', 14)}</p></body>"
    )

    _, chunks = chunk_document(document)

    assert "On Debian based systems:\n\n$ sudo apt-get install libpq-dev" in passage_with(
        chunks, "libpq-dev"
    )


def test_a_list_stays_with_its_lead_in(files_dir: Path) -> None:
    document = load_path(files_dir / "docs_page.html")

    _, chunks = chunk_document(document)

    assert "The rules are:\n\nports below 1024 need root,\nthe default port is 8450." in (
        passage_with(chunks, "8450")
    )


def test_a_listing_stays_with_its_caption(files_dir: Path) -> None:
    document = load_path(files_dir / "docs_page.html")

    _, chunks = chunk_document(document)

    assert "Starting on another port\n\n$ hive serve --port 9000" in passage_with(chunks, "9000")


def test_a_long_list_splits_between_items_and_later_parts_carry_the_lead_in_as_context() -> None:
    items = "".join(
        f"<li>Option {n} turns on feature number {n} for every user.</li>" for n in range(40)
    )
    document = html_document(f"<body><p>The options are:</p><ul>{items}</ul></body>")

    _, chunks = chunk_document(document, ChunkingConfig(max_chars=400))

    assert len(chunks) > 2
    for chunk in chunks:
        assert re.fullmatch(r"(The options are:\n\n)?(Option \d+ [^\n]+\.\n?)+", chunk.text)
    later = chunks[-1]
    assert "The options are:" not in later.text
    assert "The options are:" in passage_context(document, later.start)


def test_rows_of_a_long_table_carry_its_header_row_as_context() -> None:
    rows = "".join(
        f"<tr><td>counter.{n}</td><td>requests of kind {n} served</td></tr>" for n in range(40)
    )
    document = html_document(
        "<body><p>The counters:</p><table><tr><th>Counter</th><th>Meaning</th></tr>"
        f"{rows}</table></body>"
    )

    _, chunks = chunk_document(document, ChunkingConfig(max_chars=300))

    last = chunks[-1]
    assert "counter.39 | requests of kind 39 served" in last.text
    assert "Counter | Meaning" not in last.text
    assert "Counter | Meaning" in passage_context(document, last.start)


def test_a_passage_is_read_with_its_heading_path(files_dir: Path) -> None:
    document = load_path(files_dir / "docs_page.html")
    _, chunks = chunk_document(document, ChunkingConfig(max_chars=120))

    table = next(c for c in chunks if "hive.errors" in c.text)

    assert heading_path(document, table.start) == ("Running the server", "Listening port")
    assert passage_context(document, table.start).startswith("Running the server > Listening port")


def test_sources_name_the_headings_they_sit_under(
    fake_encoder: TextEncoder, files_dir: Path
) -> None:
    assistant = Assistant(fake_encoder, settings=Settings(chunking=ChunkingConfig(max_chars=120)))
    assistant.add_documents([files_dir / "docs_page.html"])

    (source, *_) = assistant.search("hive.errors requests that failed", k=1)

    assert "hive.errors" in source.text
    assert source.path == ("Running the server", "Listening port")


def test_a_heading_is_never_quoted_as_the_answer(fake_encoder: TextEncoder) -> None:
    document = html_document(
        "<body><h1>Winter bee keeping</h1><p>Hives need a windbreak and dry roofs.</p>"
        "<h2>Winter bee keeping tools</h2><p>A hive tool and a smoker are enough.</p></body>"
    )
    assistant = Assistant(fake_encoder, settings=Settings(answering=AnsweringConfig(threshold=0.0)))
    assistant.add_documents([document])

    answer = assistant.ask("Winter bee keeping tools")

    assert answer.found
    assert "Winter bee keeping" not in re.sub(r"\s*\[\d+\]", "", answer.text)


# ----- properties ----------------------------------------------------------------------------
_SENTENCE = st.builds(
    lambda w, n: " ".join([w.capitalize()] + [w] * n) + ".",
    st.sampled_from(["bees", "honey", "wax", "hive"]),
    st.integers(0, 30),
)


@st.composite
def structured_page(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(markup, every sentence and line as written): paragraphs, lists, code, headings."""
    parts: list[str] = []
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["p", "p", "ul", "pre", "h2"]))
        if kind == "p":
            sentences = draw(st.lists(_SENTENCE, min_size=1, max_size=8))
            parts.append("<p>" + "\n".join(sentences) + "</p>")
            pieces.extend(sentences)
        elif kind == "ul":
            items = draw(st.lists(_SENTENCE, min_size=1, max_size=6))
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            pieces.extend(items)
        elif kind == "pre":
            lines = draw(
                st.lists(
                    st.sampled_from(["x = 1", "y = x + 1", "print(y)"]), min_size=1, max_size=5
                )
            )
            parts.append("<pre>" + "\n".join(lines) + "</pre>")
            pieces.append("\n".join(lines))
        else:
            parts.append("<h2>Section about hives</h2>")
            pieces.append("Section about hives")
    return "<body>" + "".join(parts) + "</body>", pieces


@settings(max_examples=100, deadline=None)
@given(structured_page(), st.sampled_from([120, 300, 1000]))
def test_property_passages_slice_the_text_and_end_only_where_a_sentence_ends(
    case: tuple[str, list[str]], limit: int
) -> None:
    markup, pieces = case
    document = html_document(markup)
    config = ChunkingConfig(max_chars=limit)

    sentences, chunks = chunk_document(document, config)

    text = document.text
    placed = []  # (start, end) of every sentence and code block as written
    cursor = 0
    for piece in pieces:
        found = text.index(piece, cursor)
        cursor = found + len(piece)
        placed.append((found, cursor))
    too_long = min(config.max_sentence_chars, limit)
    covered = set()
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        covered.update(range(chunk.first_sentence, chunk.last_sentence + 1))
        inside = [(s, e) for s, e in placed if s < chunk.end < e]
        # Only a sentence longer than the limit may be cut, and so end a passage inside it.
        assert all(e - s > too_long for s, e in inside), f"cut: {chunk.text[-40:]!r}"
    assert covered == set(range(len(sentences)))
