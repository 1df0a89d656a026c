"""Chunking: a real sentence segmenter, then windows of consecutive sentences within one
paragraph, each keeping exact character offsets into its document."""

from __future__ import annotations

import itertools
import random

import pytest

from qa import sentences
from qa.chunking import ChunkingConfig, chunk_document, paragraph_spans, sentence_spans
from qa.loading import bundled_article_path, load_path, load_text
from qa.types import Chunk, Document, Span


def sentences_of(text: str, config: ChunkingConfig | None = None) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text, config)]


def numbered_paragraph(count: int) -> str:
    """`count` sentences of exactly 16 characters: "This is fact 01." ..."""
    return " ".join(f"This is fact {n:02d}." for n in range(1, count + 1))


def narrow(overlap: int) -> ChunkingConfig:
    """Windows of at most 50 characters: three of the 16-character numbered sentences."""
    return ChunkingConfig(max_chars=50, overlap_sentences=overlap, max_sentence_chars=50)


def windows(chunks: list[Chunk]) -> list[tuple[int, int]]:
    return [(c.first_sentence, c.last_sentence) for c in chunks]


@pytest.fixture(scope="module")
def article() -> Document:
    return load_path(bundled_article_path())


# ----- sentences --------------------------------------------------------------------------
def test_a_dateline_and_an_em_dash_do_not_end_a_sentence(article: Document) -> None:
    dateline = next(s for s in sentences_of(article.text) if "(EIRNS)" in s)

    assert dateline == (
        "Aug. 25, 2021 (EIRNS)—China’s President Xi Jinping discussed the issue of Afghanistan "
        "with Russian President Vladimir Putin by phone today, along with the broader "
        "strategic situation."
    )


def test_us_with_periods_does_not_end_a_sentence(article: Document) -> None:
    sentence = next(s for s in sentences_of(article.text) if "U.S." in s)

    assert sentence.startswith("He drew the implications of the U.S. failure in Afghanistan")
    assert sentence.endswith("was doomed to failure.")


def test_common_abbreviations_and_decimals_stay_inside_sentences() -> None:
    text = "Dr. Smith met Mr. Jones at 3 p.m. on Jan. 5. Prices rose 2.5% in 2020. They left."

    assert sentences_of(text) == [
        "Dr. Smith met Mr. Jones at 3 p.m. on Jan. 5.",
        "Prices rose 2.5% in 2020.",
        "They left.",
    ]


def test_a_heading_line_is_its_own_sentence() -> None:
    text = "Harvest\nThe first flush is picked in March."

    assert sentences_of(text) == ["Harvest", "The first flush is picked in March."]


def test_sentences_are_trimmed_and_never_cross_a_paragraph_break() -> None:
    text = "  First part without a full stop\n\n   Second paragraph. Third sentence.  "

    assert sentences_of(text) == [
        "First part without a full stop",
        "Second paragraph.",
        "Third sentence.",
    ]


def test_a_sentence_longer_than_the_cap_is_cut_at_spaces() -> None:
    config = ChunkingConfig(max_chars=100, max_sentence_chars=40)
    text = " ".join(["word"] * 30)  # 149 characters, no punctuation

    pieces = sentences_of(text, config)

    assert len(pieces) > 1
    assert all(len(piece) <= 40 for piece in pieces)
    assert " ".join(pieces) == text


def test_paragraphs_are_separated_by_blank_lines_even_with_spaces_in_them() -> None:
    text = "One.\n \t\nTwo.\nStill two.\n\n\nThree."

    assert [text[s.start : s.end] for s in paragraph_spans(text)] == [
        "One.",
        "Two.\nStill two.",
        "Three.",
    ]


# ----- offsets --------------------------------------------------------------------------
TRICKY_TEXTS = [
    "Tabs\tand  double  spaces.   Then “curly quotes”… and an ellipsis.",
    "Emoji 🙂 inside. Ünïcödé wörds. 北京大学很大。东京也很大。",
    "A list:\n- first item\n- second item\n\nAnd then? Yes! Done.",
    "no punctuation at all " * 60,
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_every_sentence_and_chunk_maps_back_to_its_exact_text(text: str) -> None:
    document = load_text(text)
    config = ChunkingConfig(max_chars=120, max_sentence_chars=60)

    sentences, chunks = chunk_document(document, config)

    assert sentences and chunks
    for span in sentences:
        sentence = document.text[span.start : span.end]
        assert sentence == sentence.strip() and sentence
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start == sentences[chunk.first_sentence].start
        assert chunk.end == sentences[chunk.last_sentence].end


def test_no_text_is_lost_between_sentences_whatever_the_punctuation() -> None:
    pieces = ["abc", " ", "A", ".", "!", "?", "\n", '"', "(", ")", "…", "Mr.", "U.S.", "e.g.",
              "No. 5", "...", "•", "\t", "3.14", ":", "—"]  # fmt: skip
    generator = random.Random(7)
    for _ in range(300):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 40)))
        spans = sentence_spans(text)
        covered = {i for span in spans for i in range(span.start, span.end)}
        lost = [c for i, c in enumerate(text) if not c.isspace() and i not in covered]
        assert not lost, (text, lost)
        assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_a_sentence_the_segmenter_altered_keeps_the_rest_of_its_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Altering:
        def __init__(self, text: str) -> None:
            self.text = text

        def process(self) -> list[str]:
            return ["First one.", "SECOND  ONE (ALTERED).", "Third one."]

    segmenter = sentences._segmenter()
    monkeypatch.setattr(segmenter, "processor", Altering)
    text = "First one. Second one. Third one."

    spans = sentence_spans(text)

    assert [text[s.start : s.end] for s in spans] == ["First one.", "Second one. Third one."]


def test_the_article_round_trips_for_every_sentence_and_chunk(article: Document) -> None:
    sentences, chunks = chunk_document(article)

    assert len(sentences) == 17
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.doc_id == article.id
        assert chunk.id == f"{article.id}:{chunk.index}"
    covered = {i for c in chunks for i in range(c.first_sentence, c.last_sentence + 1)}
    assert covered == set(range(len(sentences)))


# ----- windows --------------------------------------------------------------------------
def test_windows_never_cross_a_paragraph_break(article: Document) -> None:
    config = ChunkingConfig(max_chars=2000, max_sentence_chars=600)

    _, chunks = chunk_document(article, config)

    assert len(chunks) == 6  # the headline and the five paragraphs, one passage each
    assert all("\n\n" not in chunk.text for chunk in chunks)


def test_a_window_grows_up_to_max_chars() -> None:
    document = load_text(numbered_paragraph(7))  # sentences of 16 chars, 1 space between

    _, chunks = chunk_document(document, narrow(0))

    assert [c.text for c in chunks] == [
        "This is fact 01. This is fact 02. This is fact 03.",  # exactly 50 characters
        "This is fact 04. This is fact 05. This is fact 06.",
        "This is fact 07.",
    ]


@pytest.mark.parametrize(
    ("overlap", "expected"),
    [
        (0, [(0, 2), (3, 5), (6, 7)]),
        (1, [(0, 2), (2, 4), (4, 6), (6, 7)]),
        (2, [(0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]),
    ],
)
def test_consecutive_windows_share_the_configured_number_of_sentences(
    overlap: int, expected: list[tuple[int, int]]
) -> None:
    document = load_text(numbered_paragraph(8))
    _, chunks = chunk_document(document, narrow(overlap))

    assert windows(chunks) == expected


def test_an_overlap_as_large_as_a_window_still_moves_forward() -> None:
    document = load_text(numbered_paragraph(4))

    _, chunks = chunk_document(document, narrow(5))

    assert windows(chunks) == [(0, 2), (1, 3)]


def test_overlap_does_not_reach_back_into_the_previous_paragraph() -> None:
    text = numbered_paragraph(3) + "\n\n" + numbered_paragraph(3)
    document = load_text(text)

    _, chunks = chunk_document(document, narrow(2))

    assert windows(chunks) == [(0, 2), (3, 5)]


# ----- settings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_chars": 49}, r"max_chars must be at least 50, got 49\."),
        ({"overlap_sentences": -1}, r"overlap_sentences must be 0 or more, got -1\."),
        ({"max_sentence_chars": 19}, r"max_sentence_chars must be at least 20, got 19\."),
    ],
)
def test_settings_are_validated_with_a_message_naming_the_value(
    settings: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ChunkingConfig(**settings)


def test_max_chars_alone_can_be_lowered() -> None:
    assert ChunkingConfig(max_chars=300).max_chars == 300


def test_settings_survive_a_round_trip_through_a_dict() -> None:
    config = ChunkingConfig(max_chars=400, overlap_sentences=2, max_sentence_chars=300)

    assert ChunkingConfig(**config.to_dict()) == config


def test_sentence_spans_are_spans() -> None:
    assert sentence_spans("Hi there. Bye.") == [Span(0, 9), Span(10, 14)]


def test_a_dot_name_inside_a_sentence_does_not_end_it() -> None:
    text = "Setting max_line_length in an .editorconfig file sets the width. The next one."

    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "Setting max_line_length in an .editorconfig file sets the width.",
        "The next one.",
    ]


def test_a_citation_mark_glued_to_a_sentence_is_left_as_it_is() -> None:
    text = "Gas turbines drive most stations.[citation needed] They burn gas."
    spans = [text[s.start : s.end] for s in sentence_spans(text)]

    assert spans[0] == "Gas turbines drive most stations."


def test_a_hard_wrapped_sentence_is_one_sentence() -> None:
    text = (
        "He also did the translation support for PowerPC, and\n"
        "created a set of derivatives of the release line.\n"
        "Greg Parker wrote the port."
    )

    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "He also did the translation support for PowerPC, and\n"
        "created a set of derivatives of the release line.",
        "Greg Parker wrote the port.",
    ]


def test_lines_that_do_not_go_on_in_lower_case_keep_their_breaks() -> None:
    text = "433477 FreeBSD support, part 6\n433479 FreeBSD support, part 7\n* Fix the demangler"

    assert [text[s.start : s.end] for s in sentence_spans(text)] == text.split("\n")


def test_a_letter_and_dot_inside_a_sentence_is_not_a_list_item() -> None:
    text = "References to __filename within b.js will return the path. Next."

    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "References to __filename within b.js will return the path.",
        "Next.",
    ]
