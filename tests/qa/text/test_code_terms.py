"""Code terms: identifiers, options and operators searchable whole and in parts."""

from __future__ import annotations

import pytest

from qa.text.code_terms import code_terms, is_symbol, looks_like_code
from qa.text.words import terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pass `&str` here", {"&str", "str"}),
        ("Run cargo test -- --show-output", {"--show-output", "show", "output"}),
        ("A Vec<T> grows", {"vec<t>", "vec"}),
        ("use std::io;", {"::", "std::io", "std", "io"}),
        ("let n = rx.try_recv()?;", {"?", "try_recv", "tri", "recv"}),
        ("a HashMap of names", {"hashmap", "hash", "map"}),
        ("the view.batch.POST timer", {"view.batch.post", "view", "batch", "post"}),
        ("edit config/kinto.ini first", {"config/kinto.ini", "config", "kinto", "ini"}),
        ("set --print=HB", {"--print=hb", "--print", "print", "hb"}),
    ],
)
def test_code_is_searchable_whole_and_in_parts(text: str, expected: set[str]) -> None:
    assert expected <= set(terms(text))


@pytest.mark.parametrize(
    ("question", "symbol"),
    [("What does `?` do?", "?"), ("What does the ? operator do?", "?"), ("Why `::`?", "::")],
)
def test_an_operator_is_a_term_where_a_question_writes_it_as_code(
    question: str, symbol: str
) -> None:
    assert symbol in terms(question)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The question mark ends a sentence; it is not the `?` operator.
        ("What is it?", []),
        ("WHat is it?", []),  # a slip of the shift key is not CamelCase
        ("The cats are running to the orchards.", ["cat", "run", "orchard"]),
        ("Is it sold and/or rented, e.g. in the U.S.?", ["sold", "rent", "e", "g", "u"]),
        (
            "A well-known café opened at 3.14 p.m. & closed.",
            ["well", "known", "cafe", "open", "3", "14", "p", "m", "close"],
        ),
        ("Are PDFs (or 3D files) allowed?", ["pdfs", "3d", "file", "allow"]),
        ("Tom - a friend - sings.", ["tom", "friend", "sing"]),
    ],
)
def test_prose_keeps_exactly_its_word_terms(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_symbols_are_neither_stemmed_nor_dropped_as_stopwords() -> None:
    assert code_terms("call `is_empty` with --dry-running").symbols == ("--dry-running",)
    assert terms("`is_empty`") == ["is_empti", "empti"]  # "is": a stopword part


@pytest.mark.parametrize(
    "token", ["try_recv", "Vec<T>", "&str", "--exact", "std::io", "view.batch.POST", "HashMap",
              "config/kinto.ini", "/usr/bin", ".editorconfig", "fzf#run", "$HOME", "enable()"],
)  # fmt: skip
def test_code_looking_tokens(token: str) -> None:
    assert looks_like_code(token)


@pytest.mark.parametrize(
    "token", ["and/or", "km/h", "e.g", "Ph.D", "U.S", "3.14", "PDFs", "3D", "well-known", "café"]
)
def test_prose_tokens_do_not_look_like_code(token: str) -> None:
    assert not looks_like_code(token)


def test_a_symbol_has_punctuation_an_identifier_does_not() -> None:
    assert is_symbol("&str") and is_symbol("--exact") and is_symbol("?")
    assert not is_symbol("try_recv") and not is_symbol("hashmap")
