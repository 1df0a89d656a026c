"""Text folding and terms: the same word matches however it is typed."""

from __future__ import annotations

import unicodedata

import pytest

from qa.text.words import fold, terms


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Café", "cafe"),
        (unicodedata.normalize("NFD", "Café"), "cafe"),  # e + combining acute
        ("ＣＡＦÉ", "cafe"),  # full-width letters
        ("zero\u200bwidth\u200djoin\ufeff", "zerowidthjoin"),
        ("soft\u00adhyphen", "softhyphen"),
        ("STRASSE Straße", "strasse strasse"),
        ("ﬁne", "fine"),  # the fi ligature
    ],
)
def test_fold_removes_case_width_accents_and_invisible_characters(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_terms_drop_stopwords_and_stem() -> None:
    assert terms("The cats are running to the orchards") == ["cat", "run", "orchard"]


def test_terms_keep_repeats_for_term_frequency() -> None:
    assert terms("tea, more tea, always tea") == ["tea", "tea", "alway", "tea"]


def test_terms_can_keep_stopwords_and_skip_stemming() -> None:
    assert terms("The cats", stem=False, drop_stopwords=False) == ["the", "cats"]


def test_the_same_word_typed_differently_gives_the_same_term() -> None:
    assert terms("Ｒéｓｕｍé") == terms("resume") == terms(unicodedata.normalize("NFD", "Résumé"))


def test_cjk_runs_become_overlapping_character_pairs() -> None:
    assert terms("北京大学") == ["北京", "京大", "大学"]


def test_a_single_cjk_character_stays_whole() -> None:
    assert terms("の") == ["の"]


def test_latin_letters_attached_to_cjk_stay_whole() -> None:
    assert terms("abc北京") == ["abc", "北京"]


def test_korean_is_split_into_pairs_too() -> None:
    assert terms("한국어") == ["한국", "국어"]


@pytest.mark.parametrize("text", ["", "   ", "the of and", "!!! ---"])
def test_text_without_content_words_has_no_terms(text: str) -> None:
    assert terms(text) == []
