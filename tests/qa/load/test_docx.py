"""Word documents: headings as the path, lists, code, tables with their header row, and
damaged or hostile files refused by name. Each .docx is built here with python-docx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml
from hypothesis import given, settings
from hypothesis import strategies as st

from qa import Assistant
from qa.errors import DocumentError, EmptyDocumentError, UnsupportedFormatError
from qa.load.docx import MAX_INFLATED_BYTES, read_docx
from qa.loading import load_path, supported_suffixes
from qa.types import CONTAINER_KINDS

_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def saved(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def blocks_of(data: bytes) -> list[tuple[str, str]]:
    word = read_docx(data, "test.docx")
    return [(b.kind, word.text[b.start : b.end]) for b in word.blocks]


def test_a_manual_keeps_headings_paragraphs_lists_and_tables_in_order(docx_manual: bytes) -> None:
    assert blocks_of(docx_manual) == [
        ("heading", "Harbour Manual"),
        ("heading", "Safety"),
        ("paragraph", "Keep the lamp lit from dusk to dawn."),
        ("list", "Check the wick.\nRefill the oil."),
        ("list_item", "Check the wick."),
        ("list_item", "Refill the oil."),
        ("heading", "Berths"),
        ("paragraph", "Ships moor as follows:"),
        ("table", "Ship | Berth\nFalcon | 3\nOsprey | 7"),
        ("table_row", "Ship | Berth"),
        ("table_row", "Falcon | 3"),
        ("table_row", "Osprey | 7"),
        ("heading", "Storms"),
        ("paragraph", "Close the shutters."),
    ]


def test_headings_give_levels_and_the_path_and_the_title_style_names_the_document(
    docx_manual: bytes,
) -> None:
    word = read_docx(docx_manual, "manual.docx")
    by_text = {word.text[b.start : b.end]: b for b in word.blocks}

    assert word.title == "Harbour Manual"
    assert [by_text[h].level for h in ("Harbour Manual", "Safety", "Berths", "Storms")] == [
        0,
        1,
        2,
        1,
    ]
    assert by_text["Osprey | 7"].path == ("Harbour Manual", "Safety", "Berths")
    assert by_text["Close the shutters."].path == ("Harbour Manual", "Storms")


def test_the_header_row_is_marked_and_page_headers_and_footers_are_not_text(
    docx_manual: bytes,
) -> None:
    word = read_docx(docx_manual, "manual.docx")
    rows = [b for b in word.blocks if b.kind == "table_row"]

    assert [b.header for b in rows] == [True, False, False]
    assert "CONFIDENTIAL" not in word.text and "footer" not in word.text


def test_a_table_whose_style_has_no_header_row_has_none_unless_the_row_repeats() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row in range(2):
        for col in range(2):
            table.cell(row, col).text = f"r{row}c{col}"
    look = table._tbl.tblPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblLook"
    )
    look.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}firstRow", "0")
    look.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "0080")
    word = read_docx(saved(document), "t.docx")
    assert [b.header for b in word.blocks if b.kind == "table_row"] == [False, False]

    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {_NS}/>"))
    word = read_docx(saved(document), "t.docx")
    assert [b.header for b in word.blocks if b.kind == "table_row"] == [True, False]


def test_merged_cells_count_once_and_a_one_column_table_is_a_box_of_paragraphs() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Wide"
    table.cell(0, 2).text = "Narrow"
    for col, text in enumerate(["a", "b", "c"]):
        table.cell(1, col).text = text
    box = document.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "A note in a box."
    box.cell(0, 0).add_paragraph("Its second paragraph.")

    assert blocks_of(saved(document)) == [
        ("table", "Wide | Narrow\na | b | c"),
        ("table_row", "Wide | Narrow"),
        ("table_row", "a | b | c"),
        ("paragraph", "A note in a box."),
        ("paragraph", "Its second paragraph."),
    ]


def test_list_levels_nest_and_an_empty_paragraph_does_not_end_the_list() -> None:
    document = docx.Document()
    document.add_paragraph("Steps:")
    for text, level in [("Open the valve.", 0), ("Slowly.", 1), ("Close it.", 0)]:
        paragraph = document.add_paragraph(text, style="List Number")
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {_NS}><w:ilvl w:val="{level}"/><w:numId w:val="2"/></w:numPr>')
        )
        if level == 1:
            document.add_paragraph("")
    document.add_paragraph("Done.")
    word = read_docx(saved(document), "steps.docx")
    found = [(b.kind, word.text[b.start : b.end]) for b in word.blocks]

    assert found[0] == ("paragraph", "Steps:")
    assert found[1] == ("list", "Open the valve.\nSlowly.\nClose it.")
    assert [text for kind, text in found if kind == "list_item"] == [
        "Open the valve.\nSlowly.",
        "Slowly.",
        "Close it.",
    ]
    assert [kind for kind, _ in found].count("list") == 2  # the inner list inside its item
    assert found[-1] == ("paragraph", "Done.")


def test_paragraphs_in_a_code_style_are_one_code_block_with_their_lines_and_indents() -> None:
    document = docx.Document()
    styles = document.styles
    code = styles.add_style("Source Code", 1)  # WD_STYLE_TYPE.PARAGRAPH
    document.add_paragraph("Run this:")
    for line in ["for ship in harbour:", "    moor(ship)"]:
        document.add_paragraph(line, style=code)
    document.add_paragraph("Then rest.")

    assert blocks_of(saved(document)) == [
        ("paragraph", "Run this:"),
        ("code", "for ship in harbour:\n    moor(ship)"),
        ("paragraph", "Then rest."),
    ]


def test_tracked_insertions_hyperlinks_and_content_controls_are_read_deletions_are_not() -> None:
    document = docx.Document()
    anchor = document.add_paragraph("Anchor.")._p
    anchor.addprevious(
        parse_xml(
            f"<w:p {_NS}><w:r><w:t xml:space='preserve'>The tide is </w:t></w:r>"
            "<w:del w:id='1' w:author='a'><w:r><w:delText>very </w:delText></w:r></w:del>"
            "<w:ins w:id='2' w:author='a'><w:r><w:t>now </w:t></w:r></w:ins>"
            "<w:hyperlink><w:r><w:t>high</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>"
        )
    )
    anchor.addprevious(
        parse_xml(
            f"<w:sdt {_NS}><w:sdtPr><w:docPartObj><w:docPartGallery w:val='Table of Contents'/>"
            "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Contents 1</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        )
    )
    anchor.addprevious(
        parse_xml(
            f"<w:sdt {_NS}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Inside a control.</w:t>"
            "</w:r></w:p></w:sdtContent></w:sdt>"
        )
    )

    assert blocks_of(saved(document)) == [
        ("paragraph", "The tide is now high."),
        ("paragraph", "Inside a control."),
        ("paragraph", "Anchor."),
    ]


def test_the_title_comes_from_the_documents_properties_first() -> None:
    document = docx.Document()
    document.core_properties.title = "Tide Tables 2026"
    document.add_heading("Introduction", level=1)
    document.add_paragraph("The tides.")
    assert read_docx(saved(document), "t.docx").title == "Tide Tables 2026"

    document.core_properties.title = ""
    assert read_docx(saved(document), "t.docx").title == "Introduction"


def test_load_path_reads_a_docx_into_a_document_with_its_blocks(docx_file: Path) -> None:
    document = load_path(docx_file)
    path = docx_file

    assert ".docx" in supported_suffixes()
    assert document.title == "Harbour Manual"
    assert document.source == str(path)
    assert "Osprey | 7" in document.text
    for block in document.blocks:
        assert document.text[block.start : block.end].strip()


def test_a_docx_with_no_text_is_empty_by_name(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    path.write_bytes(saved(docx.Document()))

    with pytest.raises(EmptyDocumentError, match=r"blank\.docx is empty"):
        load_path(path)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "password-protected or an old Word"),
        (None, "not a Word document"),  # the manual, cut off
        (b"just some text, renamed", "not a Word document"),
        (_zip({"hello.txt": b"hi"}), "not a readable Word document"),
        (
            _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"}),
            "not a readable Word document|damaged",
        ),
        (_zip({"word/document.xml": b"\0" * (MAX_INFLATED_BYTES + 1)}), "inflates to"),
    ],
    ids=["encrypted", "truncated", "not-a-zip", "no-document", "bad-xml", "zip-bomb"],
)
def test_a_bad_docx_is_refused_with_its_name(
    tmp_path: Path, docx_manual: bytes, data: bytes | None, message: str
) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(docx_manual[:2000] if data is None else data)

    with pytest.raises(DocumentError, match=message) as caught:
        load_path(path)
    assert "report.docx" in str(caught.value)


def test_an_old_doc_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "letter.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(UnsupportedFormatError, match=r"letter\.doc.*save it as \.docx"):
        load_path(path)


_WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
_TEXT = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("p"), _TEXT),
            st.tuples(st.just("h"), _TEXT, st.integers(1, 3)),
            st.tuples(st.just("li"), _TEXT),
            st.tuples(st.just("table"), st.lists(st.lists(_TEXT, min_size=2, max_size=2),
                                                 min_size=1, max_size=3)),
        ),
        min_size=1,
        max_size=8,
    )
)  # fmt: skip
def test_property_offsets_slice_the_text_exactly_and_every_word_is_kept(parts: list[Any]) -> None:
    document = docx.Document()
    words: list[str] = []
    for part in parts:
        if part[0] == "p":
            document.add_paragraph(part[1])
        elif part[0] == "h":
            document.add_heading(part[1], level=part[2])
        elif part[0] == "li":
            document.add_paragraph(part[1], style="List Bullet")
        else:
            table = document.add_table(rows=len(part[1]), cols=2)
            for r, row in enumerate(part[1]):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        texts = [part[1]] if part[0] != "table" else [c for row in part[1] for c in row]
        words.extend(word for text in texts for word in text.split())
    word = read_docx(saved(document), "p.docx")

    assert [w for w in word.text.split() if w != "|"] == words  # all kept, in order
    for block in word.blocks:
        piece = word.text[block.start : block.end]
        assert piece == piece.strip() and piece
        if block.kind not in CONTAINER_KINDS:
            assert "\n\n" not in piece


@pytest.mark.slow
def test_the_bundled_model_answers_from_a_row_of_a_word_table(
    real_embedder: Any, docx_file: Path
) -> None:
    assistant = Assistant(real_embedder)
    assistant.add_documents([docx_file])

    answer = assistant.ask("Which berth does the Osprey moor at?")

    assert answer.found, answer
    assert "Osprey | 7" in answer.text
    assert "Ship | Berth" in answer.text  # the row is quoted under its header row
