"""Matching a text against gold answers: SQuAD normalisation, with word edges kept."""

from __future__ import annotations

from qa.evaluate.matching import contains_answer, normalize_answer, strip_citations


def test_normalisation_lowers_case_and_drops_articles_and_punctuation() -> None:
    assert normalize_answer("The  Barn-Owl, an owl!") == "barn owl owl"


def test_containment_respects_word_edges() -> None:
    assert contains_answer("Six-time champion", ["six"])
    assert contains_answer("Tyndale's Bible", ["Tyndale"])
    assert not contains_answer("sixty", ["six"])


def test_an_empty_gold_answer_matches_nothing() -> None:
    assert not contains_answer("anything", ["", "the"])


def test_citation_markers_are_stripped_so_they_never_match_a_number() -> None:
    assert strip_citations("It has 3 legs [1] [12]") == "It has 3 legs"
    assert not contains_answer(strip_citations("Owls hunt [1]"), ["1"])
