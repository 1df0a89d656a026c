"""The real-docs benchmark's scoring: string matching, passage ends, tallies (no model)."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.real_docs import (
    Result,
    Tally,
    answered_right,
    corpus_figures,
    ends_mid_sentence,
    format_of,
    gold_in,
    normalise,
    parse_formats,
    strip_citations,
)
from qa.load.html import read_html
from qa.loading import load_structured, load_text
from qa.types import Document


# ----- matching a gold string ------------------------------------------------------------
def test_normalising_collapses_whitespace_and_case() -> None:
    assert normalise("  Run\n   `kinto  init`\tFIRST ") == "run `kinto init` first"


def test_a_gold_string_matches_across_line_breaks_and_case() -> None:
    passage = "Install the headers with\n    sudo apt-get install LIBPQ-dev\nand retry."

    assert gold_in(["libpq-dev"], passage)
    assert gold_in(["apt-get install libpq-dev and"], passage)


def test_any_one_of_several_gold_strings_is_enough() -> None:
    assert gold_in(["nowhere", "config/kinto.ini"], "It writes config/kinto.ini.")
    assert not gold_in(["nowhere", "not here"], "It writes config/kinto.ini.")


def test_an_empty_gold_string_matches_nothing() -> None:
    assert not gold_in(["", "  "], "any text at all")
    assert not gold_in([], "any text at all")


def test_citation_markers_are_removed_from_the_answer() -> None:
    assert strip_citations("It uses 1 GB [1] of memory [2, 3].") == "It uses 1 GB  of memory ."


def test_an_answer_is_right_only_when_found_and_quoting_a_gold_string() -> None:
    text = "The tag is kinto/kinto-server:latest[1] on Docker Hub."

    assert answered_right(["kinto-server:latest on Docker"], True, text)
    assert not answered_right(["kinto-server:latest on Docker"], False, text)
    assert not answered_right(["kinto:stable"], True, text)


# ----- passages that end inside a sentence -------------------------------------------------
def html(markup: str) -> Document:
    page = read_html(markup)
    return load_structured(page.text, page.blocks, title="Page")


def cut_at(document: Document, needle: str) -> bool:
    """Whether a passage from the start to just after `needle` ends mid-sentence."""
    end = document.text.index(needle) + len(needle)
    return ends_mid_sentence(document, 0, end, max_chars=1000)


@pytest.mark.parametrize(
    "passage",
    [
        "A whole sentence.",
        "Is it whole?",
        "It is!",
        "The options are:",
        'He said "stop."',
        "It ends in brackets (as here.)",
        "Curly quotes too.\u201d",
        "With a citation.[10]",
        "Two of them.[3][citation needed]",
    ],
)
def test_passages_ending_a_sentence_are_whole(passage: str) -> None:
    document = load_text(f"{passage} And the text goes on here.")
    assert not cut_at(document, passage)


def test_a_plain_text_passage_cut_inside_a_paragraph_ends_mid_sentence() -> None:
    document = load_text("The value is (see below) and then the rest.\n\nNext paragraph.")

    assert cut_at(document, "The value is (see below)")
    assert cut_at(document, "and then the")
    assert not cut_at(document, "the rest."), "a sentence end"


def test_a_plain_text_paragraph_without_punctuation_ending_the_passage_is_whole() -> None:
    document = load_text("pip install kinto\n\nThen run it.")

    assert not cut_at(document, "pip install kinto")


def test_a_passage_cut_at_the_length_limit_is_not_counted() -> None:
    document = load_text("x" * 60 + " and more")

    assert not ends_mid_sentence(document, 0, 50, max_chars=50)
    assert ends_mid_sentence(document, 0, 49, max_chars=50)


def test_commands_table_rows_and_headings_end_unpunctuated_by_nature() -> None:
    document = html(
        "<body><h2>Install it</h2><p>Run this:</p><pre>pip install kinto</pre>"
        "<table><tr><th>Name</th><th>Use</th></tr><tr><td>a</td><td>b</td></tr></table>"
        "<p>A paragraph that goes on past the cut.</p></body>"
    )

    assert not cut_at(document, "Install it")
    assert not cut_at(document, "pip install kinto")
    assert not cut_at(document, "Name | Use")
    assert cut_at(document, "A paragraph that goes on")
    assert not cut_at(document, "past the cut.")


def test_a_list_item_cut_short_ends_mid_sentence_and_a_whole_one_does_not() -> None:
    document = html("<body><ul><li>first item without a stop</li><li>second one</li></ul></body>")

    assert not cut_at(document, "first item without a stop")
    assert cut_at(document, "first item")


def test_corpus_figures_count_passages_per_million_characters() -> None:
    corpus = corpus_figures(documents=2, characters=500_000, passages=3, mid_sentence=1)

    assert corpus.passages == 3
    assert corpus.passages_per_million_chars == pytest.approx(6.0)
    assert corpus.ends_mid_sentence == 1
    assert corpus.ends_mid_sentence_share == pytest.approx(1 / 3)


# ----- formats and tallies ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.html", "html"), ("b.HTM", "html"), ("c.md", "md"), ("d.pdf", "pdf"), ("e.txt", "txt")],
)
def test_the_format_is_the_extension(name: str, fmt: str) -> None:
    assert format_of(name) == fmt


def test_formats_are_parsed_and_checked() -> None:
    assert parse_formats("html, MD") == ["html", "md"]
    with pytest.raises(argparse.ArgumentTypeError, match=r"html, md, pdf, txt; got 'html,doc'"):
        parse_formats("html,doc")
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated list"):
        parse_formats(" , ")


def _result(answerable: bool, gold: bool | None, right: bool | None, found: bool) -> Result:
    return Result(
        question="q",
        document="d.md",
        format="md",
        kind="prose",
        answerable=answerable,
        gold_at_3=gold,
        correct=right,
        found=found,
        confidence=0.5,
        seconds=0.01,
        answer="",
    )


def test_a_tally_scores_answerable_and_unanswerable_questions_apart() -> None:
    tally = Tally.of(
        [
            _result(True, gold=True, right=True, found=True),
            _result(True, gold=True, right=False, found=True),
            _result(True, gold=False, right=False, found=False),
            _result(True, gold=False, right=False, found=True),
            _result(False, gold=None, right=None, found=False),
        ]
    )

    assert (tally.answerable, tally.unanswerable) == (4, 1)
    assert tally.gold_at_3 == pytest.approx(0.5)
    assert tally.answered_right == pytest.approx(0.25)
    assert tally.declined == pytest.approx(1.0)


def test_a_tally_with_no_question_of_a_sort_reports_none() -> None:
    tally = Tally.of([_result(True, gold=True, right=True, found=True)])

    assert tally.declined is None
    assert Tally.of([]).gold_at_3 is None


def test_a_list_items_own_text_before_its_nested_list_is_whole() -> None:
    document = html(
        "<body><ul><li>options <b>Object</b><ul><li>family number</li></ul></li></ul></body>"
    )

    assert not cut_at(document, "options Object")
