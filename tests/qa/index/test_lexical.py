"""BM25 over passages: which passages share the query's words, weighted by how rare they are."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from qa.index import LexicalConfig, LexicalIndex, top_positive

FRUIT = [
    "Apples and bananas are sold at the market.",  # 0
    "Apples and cherries grow in the orchard.",  # 1
    "Apples and dates are dried in the sun.",  # 2
    "The harbour is busy in summer.",  # 3
]


@pytest.fixture
def fruit() -> LexicalIndex:
    return LexicalIndex(FRUIT)


def test_every_passage_gets_a_score(fruit: LexicalIndex) -> None:
    scores = fruit.scores("cherries")

    assert scores.shape == (4,)
    assert scores.dtype == np.float32


def test_only_passages_sharing_a_word_score_above_zero(fruit: LexicalIndex) -> None:
    scores = fruit.scores("Where do cherries grow?")

    assert scores[1] > 0
    assert scores[0] == scores[2] == scores[3] == 0


def test_a_rare_word_outweighs_a_common_one(fruit: LexicalIndex) -> None:
    scores = fruit.scores("apples cherries")

    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[0] == scores[2] > scores[3] == 0


def test_words_match_across_inflection_and_accents() -> None:
    index = LexicalIndex(["The Café was running late.", "Nothing here."])

    assert index.scores("cafe runs")[0] > 0


@pytest.mark.parametrize("query", ["", "   ", "what is the", "zeppelin quasar"])
def test_an_empty_stopword_only_or_unknown_query_scores_zero_everywhere(
    fruit: LexicalIndex, query: str
) -> None:
    assert not fruit.scores(query).any()


def test_an_index_of_no_passages_returns_no_scores() -> None:
    index = LexicalIndex([])

    assert index.size == 0
    assert index.scores("anything").shape == (0,)


def test_passages_made_only_of_stopwords_score_zero_instead_of_failing() -> None:
    index = LexicalIndex(["It is what it is.", "Who are you?"])

    assert not index.scores("what is it").any()


def test_idf_falls_as_more_passages_contain_the_term(fruit: LexicalIndex) -> None:
    # BM25's smoothed idf: log(1 + (N - n + 0.5) / (n + 0.5)), here with N = 4 passages.
    assert fruit.idf("cherri") == pytest.approx(math.log(1 + 3.5 / 1.5))  # in 1 passage
    assert fruit.idf("appl") == pytest.approx(math.log(1 + 1.5 / 3.5))  # in 3 passages
    assert fruit.idf("zeppelin") == pytest.approx(math.log(1 + 4.5 / 0.5))  # in none
    assert fruit.idf("zeppelin") > fruit.idf("cherri") > fruit.idf("appl")


def test_terms_use_the_index_settings() -> None:
    index = LexicalIndex(FRUIT, LexicalConfig(stem=False, drop_stopwords=False))

    assert index.terms("The apples") == ["the", "apples"]
    assert index.scores("the")[3] > 0


def test_length_normalisation_follows_b() -> None:
    short_and_long = ["Otters swim.", "Otters swim in rivers, lakes, estuaries and the sea."]

    normalised = LexicalIndex(short_and_long).scores("otters")
    flat = LexicalIndex(short_and_long, LexicalConfig(b=0.0)).scores("otters")

    assert normalised[0] > normalised[1]
    assert flat[0] == pytest.approx(flat[1])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"k1": -0.1}, r"k1 must be 0 or more, got -0\.1\."),
        ({"b": 1.5}, r"b must be between 0 and 1, got 1\.5\."),
        ({"b": -1}, r"b must be between 0 and 1, got -1\."),
    ],
)
def test_settings_are_validated(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LexicalConfig(**settings)


# ----- top_positive ---------------------------------------------------------------------
def test_top_positive_orders_like_a_stable_sort_of_every_positive_score() -> None:
    generator = np.random.default_rng(3)
    for _ in range(500):
        scores = generator.integers(0, 4, generator.integers(0, 40)).astype(np.float32)
        depth = int(generator.integers(1, 10))
        positive = np.flatnonzero(scores > 0)
        expected = positive[np.argsort(-scores[positive], kind="stable")][:depth]

        assert top_positive(scores, depth).tolist() == expected.tolist()


def test_top_positive_keeps_ties_at_the_cut_in_row_order() -> None:
    scores = np.array([1.0, 3.0, 2.0, 2.0, 0.0, 2.0, 2.0], dtype=np.float32)

    assert top_positive(scores, 3).tolist() == [1, 2, 3]


def test_top_positive_never_returns_zero_scores_or_more_than_exist() -> None:
    scores = np.array([0.0, 0.5, 0.0, 0.25], dtype=np.float32)

    assert top_positive(scores, 10).tolist() == [1, 3]
    assert top_positive(np.zeros(5, dtype=np.float32), 3).tolist() == []
    assert top_positive(scores, 0).tolist() == []


CODE = [
    "A str is a string slice; a str is always borrowed.",  # 0
    "Functions take &str arguments.",  # 1
    "Run the tests with output shown, and show the output of passing tests too.",  # 2
    "Pass cargo test -- --show-output to keep the output of passing tests.",  # 3
    "The receiver offers try_recv, which never blocks.",  # 4
    "A HashMap stores keys with their values.",  # 5
    "Try to receive again later when the channel is empty.",  # 6
    "let file = File::open(path)?; returns early with the error.",  # 7
]


@pytest.fixture
def code() -> LexicalIndex:
    return LexicalIndex(CODE)


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("What is `&str`?", 1),
        ("What is &str?", 1),
        ("How do I see the output with `--show-output`?", 3),
        ("What does --show-output do?", 3),
        ("What does the `?` do after a call?", 7),
        ("What does :: separate?", 7),
    ],
)
def test_a_question_about_a_symbol_finds_the_passage_holding_it_first(
    code: LexicalIndex, question: str, row: int
) -> None:
    assert int(np.argmax(code.scores(question))) == row


def test_words_find_the_parts_of_an_identifier(code: LexicalIndex) -> None:
    assert int(np.argmax(code.scores("try recv"))) == 4  # not 6, which has "try" only
    assert code.scores("hash")[5] > 0  # CamelCase: HashMap is hash + map
    assert code.scores("map keys")[5] > 0


def test_a_code_symbol_no_passage_holds_does_not_lower_coverage() -> None:
    # Inline code loses its backticks in a loaded document, so `gh-deploy` asked in
    # backticks is indexed there as the words "gh" and "deploy" only.
    index = LexicalIndex(["Run mkdocs gh-deploy to publish.", "Nothing else."])
    text = set(index.terms("Run mkdocs gh-deploy to publish."))

    assert index.coverage(index.query_terms("What does `gh-deploy` do?"), text) == 1.0
    assert index.coverage(index.query_terms("What does gh-deploy do?"), text) == 1.0


def test_a_prose_question_mark_adds_no_term(code: LexicalIndex) -> None:
    assert code.query_terms("What is it?") == []
    assert code.query_terms("Where do values go?") == code.query_terms("Where do values go")


def test_a_question_matches_an_identifier_whole_and_a_passage_is_found_by_its_parts() -> None:
    index = LexicalIndex(["MkDocs builds docs.", "Sphinx builds docs too."])
    question = index.query_terms("Does MkDocs deploy?")

    assert question == ["mkdoc", "deploy"]  # not "mk", "doc": one name, counted once
    assert {"mk", "doc"} <= set(index.terms("MkDocs builds docs."))
    assert index.coverage(question, set(index.terms("Sphinx builds docs too."))) == 0.0
