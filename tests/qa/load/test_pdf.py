"""PDF reading: re-flowed paragraphs, page furniture gone, columns in order, headings.

The PDFs are written in each test (conftest's `positioned_pdf`), text placed at chosen
positions and sizes, so every expectation can be checked by eye.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.errors import DocumentError, EmptyDocumentError, NoTextLayerError
from qa.load.pdf import _is_bold
from qa.load.pdf_layout import column_edges, join_lines
from qa.load.pdf_layout import paragraphs as reflow
from qa.load.pdf_lines import Line
from qa.load.pdf_tables import find_tables, split_cells
from qa.loading import load_path
from qa.types import Document

Placed = tuple[float, float, float, str]
MakePdf = Callable[[Sequence[Sequence[Placed]]], bytes]


def lines_at(x: float, top: float, texts: Sequence[str], size: float = 11) -> list[Placed]:
    """Lines of body text one under the other, 14 points apart, starting at `top`."""
    return [(x, top - 14 * row, size, text) for row, text in enumerate(texts)]


def load(tmp_path: Path, make: MakePdf, pages: Sequence[Sequence[Placed]]) -> Document:
    path = tmp_path / "paper.pdf"
    path.write_bytes(make(pages))
    return load_path(path)


def paragraphs(document: Document) -> list[str]:
    return [document.text[b.start : b.end] for b in document.blocks if b.kind == "paragraph"]


def test_a_hard_wrapped_paragraph_is_one_sentence(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    wrapped = ["The harbour master said that the", "lanterns are lit every night at", "nine."]
    after_gap = lines_at(72, 640, ["The ferry leaves at dawn."])

    document = load(tmp_path, make_positioned_pdf, [lines_at(72, 700, wrapped) + after_gap])

    assert paragraphs(document) == [
        "The harbour master said that the lanterns are lit every night at nine.",
        "The ferry leaves at dawn.",
    ]
    assert document.text == "\n\n".join(paragraphs(document))


def test_a_hyphenated_line_end_is_joined_and_a_real_hyphen_kept(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    wrapped = ["Edit the config-", "uration file, a well-", "known place, for COVID-", "19 notes."]

    document = load(tmp_path, make_positioned_pdf, [lines_at(72, 700, wrapped)])

    assert paragraphs(document) == [
        "Edit the configuration file, a well-known place, for COVID-19 notes."
    ]


def test_a_paragraph_goes_on_over_a_page_break_only_mid_sentence(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    first = lines_at(72, 700, ["The ferry from Soekarno-"])
    second = lines_at(72, 700, ["Hatta sails at dawn, and its", "config-"])
    third = lines_at(72, 700, ["uration is old."]) + lines_at(72, 660, ["A new paragraph."])

    document = load(tmp_path, make_positioned_pdf, [first, second, third])

    assert paragraphs(document) == [
        "The ferry from Soekarno-Hatta sails at dawn, and its configuration is old.",
        "A new paragraph.",
    ]


def test_bulleted_lines_are_the_items_of_one_list(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    texts = [
        "Send comments by any of these:",
        "\xb7 Fax: 202-493-2251.",
        "\xb7 Mail: the",
        "docket office.",
    ]

    document = load(tmp_path, make_positioned_pdf, [lines_at(72, 700, texts)])

    spans = [(b.kind, document.text[b.start : b.end]) for b in document.blocks]
    assert spans == [
        ("paragraph", "Send comments by any of these:"),
        ("list", "Fax: 202-493-2251.\nMail: the docket office."),
        ("list_item", "Fax: 202-493-2251."),
        ("list_item", "Mail: the docket office."),
    ]


def test_the_documents_own_words_decide_a_compound() -> None:
    assert join_lines("90 work-", "hours each", frozenset({"work-hours"})) == "90 work-hours each"
    assert join_lines("90 work-", "hours each") == "90 workhours each"
    assert join_lines("the Wi-", "fi router") == "the Wi-fi router"


def test_a_header_and_page_number_repeated_on_every_page_are_gone(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    bodies = ["The falcon nests in the tower.", "The owl hunts at night.", "The heron fishes."]
    pages = [
        [(72, 760, 9, f"Bird Survey 2024 - page {n}"), (72, 700, 11, body), (300, 40, 9, str(n))]
        for n, body in enumerate(bodies, start=1)
    ]

    document = load(tmp_path, make_positioned_pdf, pages)

    assert paragraphs(document) == bodies


def test_a_two_column_page_comes_out_left_column_first(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    left = [
        "Left column starts here and",
        "it goes on down the page",
        "until it ends at",
        "the foot.",
    ]
    right = [
        "Right column starts up top",
        "and it is read only after",
        "the left one is",
        "all done.",
    ]
    page: list[Placed] = []
    for one, other in zip(lines_at(72, 700, left), lines_at(320, 700, right), strict=True):
        page += [one, other]  # drawn row by row, as some files do: the columns interleave

    document = load(tmp_path, make_positioned_pdf, [page])

    assert paragraphs(document) == [
        "Left column starts here and it goes on down the page until it ends at the foot.",
        "Right column starts up top and it is read only after the left one is all done.",
    ]


def test_columns_are_found_past_a_table_of_short_cells() -> None:
    prose = "words of a sentence in a column"
    left = [Line(0, 72, 700 - 12 * i, 10, prose) for i in range(8)]
    cells = [Line(0, x, 580 - 12 * i, 10, "7 %") for i in range(12) for x in (150, 200, 250)]
    right = [Line(0, 320, 700 - 12 * i, 10, prose) for i in range(6)]

    assert column_edges(left + cells + right, 612) == [320.0]
    assert column_edges(left + cells, 612) == []


def test_a_larger_font_line_is_a_heading_and_becomes_the_path(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    page = [
        (72, 740, 20, "Solar power"),
        *lines_at(72, 710, ["Panels turn light into current."]),
        (72, 670, 15, "Batteries"),
        *lines_at(72, 645, ["A battery stores ten kWh."]),
    ]

    document = load(tmp_path, make_positioned_pdf, [page])

    headings = [(document.text[b.start : b.end], b.level) for b in document.blocks
                if b.kind == "heading"]  # fmt: skip
    assert headings == [("Solar power", 1), ("Batteries", 2)]
    last = document.blocks[-1]
    assert document.text[last.start : last.end] == "A battery stores ten kWh."
    assert last.path == ("Solar power", "Batteries")
    assert document.title == "Solar power"


def test_large_numbers_and_letter_spaced_banners_are_not_headings(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    page = [
        (72, 740, 18, "0 50 100 150 200"),
        (72, 720, 18, "R E P O R T"),
        *lines_at(72, 690, ["The chart shows growth."]),
    ]

    document = load(tmp_path, make_positioned_pdf, [page])

    assert "heading" not in [b.kind for b in document.blocks]


def test_a_three_column_table_comes_out_as_rows_with_a_header(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    rows = [
        ("Port", "Ships", "Tonnage"),
        ("Hamburg", "412", "9 100 t"),
        ("Bremen", "87", "1 300 t"),
    ]
    table = [(x, 600 - 13 * r, 11, cell) for r, row in enumerate(rows)
             for x, cell in zip((72, 200, 330), row, strict=True)]  # fmt: skip
    page = [*lines_at(72, 700, ["The ports are these:"]), *table,
            *lines_at(72, 540, ["Hamburg is the largest."])]  # fmt: skip

    document = load(tmp_path, make_positioned_pdf, [page])

    spans = [(b.kind, b.header, document.text[b.start : b.end]) for b in document.blocks]
    assert spans == [
        ("paragraph", False, "The ports are these:"),
        ("table", False, "Port | Ships | Tonnage\nHamburg | 412 | 9 100 t\nBremen | 87 | 1 300 t"),
        ("table_row", True, "Port | Ships | Tonnage"),
        ("table_row", False, "Hamburg | 412 | 9 100 t"),
        ("table_row", False, "Bremen | 87 | 1 300 t"),
        ("paragraph", False, "Hamburg is the largest."),
    ]
    row = document.blocks[3]
    assert (row.start, row.end) == (45, 68)  # after "The ports are these:\n\n" and row 1
    assert document.text[row.start : row.end] == "Hamburg | 412 | 9 100 t"


def test_dot_leaders_and_wide_gaps_part_cells_but_a_decimal_point_does_not() -> None:
    leaders = [(45.0, 8.0, "Wiring change ........ Up to 79 hours"), (300.0, 8.0, "$85")]
    assert [text for *_, text in split_cells(leaders)] == ["Wiring change", "Up to 79 hours", "$85"]
    decimal = [(70.0, 8.0, "LDA"), (131.0, 8.0, " 86"), (140.0, 8.0, "."), (142.0, 8.0, "42 %")]
    assert [text for *_, text in split_cells(decimal)] == ["LDA", "86.42 %"]
    assert split_cells([(72.0, 10.0, "one stretch of"), (140.0, 10.0, " words")]) == ()


def test_a_cell_wrapped_onto_a_second_line_stays_in_its_row() -> None:
    lines = [
        Line(0, 45, 680, 8, "Wiring change"),
        Line(0, 200, 680, 8, "79 hours × $85 ="),
        Line(0, 200, 671, 8, "$6,715."),
        Line(0, 340, 680, 8, "$766,865."),
        Line(0, 45, 662, 8, "Sensor test"),
        Line(0, 200, 662, 8, "40 hours × $85 ="),
        Line(0, 340, 662, 8, "$248,200."),
    ]

    (table,) = find_tables(lines)

    assert table.rows == (
        ("Wiring change", "79 hours × $85 = $6,715.", "$766,865."),
        ("Sensor test", "40 hours × $85 =", "$248,200."),
    )
    assert (table.start, table.stop, table.header) == (0, 7, False)


def test_two_columns_of_prose_side_by_side_are_not_a_table() -> None:
    left = ["the harbour master said that the", "lanterns are lit every night at", "nine by a"]
    right = ["keeper who lives in the tower and", "walks the pier before the ferry", "comes in"]
    pairs = enumerate(zip(left, right, strict=True))
    lines = [Line(0, x, 700 - 12 * i, 10, text) for i, pair in pairs
             for x, text in zip((72, 320), pair, strict=True)]  # fmt: skip

    assert find_tables(lines) == []


def test_a_hanging_indent_or_a_bold_run_in_starts_a_paragraph() -> None:
    lines = [
        Line(0, 108, 700, 11, "Private cloud. It is provisioned for one organization and"),
        Line(0, 144, 687, 11, "it may exist on or off the premises of its owner, as it likes."),
        Line(0, 108, 674, 11, "Public cloud. It is provisioned for open use by the public."),
        Line(0, 108, 661, 11, "The cloud exists on the premises of the cloud provider and"),
        Line(0, 108, 648, 11, "can be used by anyone who has signed up for its services."),
        Line(
            0, 108, 635, 11, "DATES: Comments must reach us by September 21, 2020.", leads_bold=True
        ),
    ]

    assert [p.text[:14] for p in reflow(lines)] == [
        "Private cloud.",
        "Public cloud. ",
        "DATES: Comment",
    ]


def test_a_bold_face_is_told_by_its_name() -> None:
    assert _is_bold({"/BaseFont": "/TimesNewRomanPS-BoldMT"})
    assert _is_bold({"/BaseFont": "/ABCDEF+Inter-SemiBold"})
    assert not _is_bold({"/BaseFont": "/TimesNewRomanPSMT"})
    assert not _is_bold(None)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


# The PDF writer fixture is a pure function, so sharing it between examples is harmless.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_WORD, min_size=1, max_size=12), min_size=1, max_size=5))
def test_block_offsets_slice_the_text_exactly(
    tmp_path_factory: pytest.TempPathFactory, make_positioned_pdf: MakePdf, texts: list[list[str]]
) -> None:
    placed: list[Placed] = []
    top = 740.0
    for words in texts:  # each paragraph wrapped four words a line, a gap after it
        rows = [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)]
        placed += lines_at(72, top, [f"{row}." if i == len(rows) - 1 else row
                                     for i, row in enumerate(rows)])  # fmt: skip
        top -= 14 * len(rows) + 30
    path = tmp_path_factory.mktemp("pdf") / "generated.pdf"
    path.write_bytes(make_positioned_pdf([placed]))

    document = load_path(path)

    for block in document.blocks:
        piece = document.text[block.start : block.end]
        assert piece and piece == piece.strip()
    assert paragraphs(document) == [" ".join(words) + "." for words in texts]


def test_bad_pdfs_get_clear_errors_naming_the_file(
    tmp_path: Path, make_positioned_pdf: MakePdf
) -> None:
    from pypdf import PdfReader, PdfWriter

    whole = make_positioned_pdf([lines_at(72, 700, ["A secret memo about the harbour."])])
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(whole)))
    writer.encrypt(user_password="open sesame", owner_password="owner")
    locked = io.BytesIO()
    writer.write(locked)
    files = {
        "locked.pdf": (locked.getvalue(), DocumentError, r"locked\.pdf is an encrypted PDF"),
        "cut.pdf": (whole[: len(whole) // 2], DocumentError, r"cut\.pdf is not a readable PDF"),
        "scan.pdf": (make_positioned_pdf([[]]), NoTextLayerError, r"scan\.pdf has no .*OCR"),
        "none.pdf": (make_positioned_pdf([]), EmptyDocumentError, r"none\.pdf .* no pages"),
    }
    for name, (data, error, message) in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(error, match=message):
            load_path(tmp_path / name)


def test_a_damaged_pdf_is_refused_without_pypdf_writing_on_stderr() -> None:
    """In a process of its own: pytest's log capture would hide what Python prints for a
    library's warning when no handler is configured, which is the case to check."""
    script = (
        "from qa.errors import DocumentError\n"
        "from qa.load.pdf import read_pdf\n"
        "try:\n"
        "    read_pdf(b'%PDF-1.4\\n1 0 obj\\n<<>>\\nendobj\\n', 'damaged.pdf')\n"
        "except DocumentError as err:\n"
        "    print(err)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "damaged.pdf" in result.stdout
    assert result.stderr == ""
