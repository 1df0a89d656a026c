"""Names, subjects and topic words, found by spelling alone: no tagger, no model."""

from __future__ import annotations

import pytest

from qa.converse.mentions import (
    conjoined,
    entities,
    is_person,
    is_plural,
    subject,
    tokens,
    topic_words,
)


# ----- names ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("What did Xi say about vaccines?", ["Xi"]),
        ("And Putin?", ["Putin"]),
        ("Who was Doctor Who?", ["Doctor Who"]),
        ("What did Tesla's partners finance?", ["Tesla"]),
        ("Emperor Gegeen Khan, Ayurbarwada's son, ruled", ["Emperor Gegeen Khan", "Ayurbarwada"]),
        ("the Treaty of Good-Neighborliness was signed", ["Treaty of Good-Neighborliness"]),
        ("What did the U.S. failure show?", ["U.S."]),
        ("Whose English translation did it influence?", []),
        (
            "Tesla Electric Light & Manufacturing installed lamps",
            ["Tesla Electric Light & Manufacturing"],
        ),
        ("What did he say?", []),
        ("Is Rc<T> like `Arc<T>` or Box?", ["Rc<T>", "`Arc<T>`", "Box"]),
        ("Ronald McDonald met the e.g. U.S. team", ["Ronald McDonald", "U.S."]),
    ],
)
def test_names_are_capitalised_runs_that_are_not_question_words(
    text: str, names: list[str]
) -> None:
    assert entities(text) == names


def test_subject_is_the_name_after_an_auxiliary() -> None:
    assert subject("What did Xi say about Afghanistan?") == "Xi"
    assert subject("When was Tesla born in Smiljan?") == "Tesla"
    assert subject("Who sang the national anthem?") is None


def test_conjoined_names_are_found_with_their_span() -> None:
    text = "Compare what Xi and Putin said"
    assert conjoined(text) == [("Xi", "Putin", 13, 25)]
    assert text[13:25] == "Xi and Putin"


def test_a_full_stop_is_kept_only_inside_an_abbreviation() -> None:
    assert [t.text for t in tokens("Did the U.S. win? It did.")] == [
        "Did", "the", "U.S.", "win", "It", "did",
    ]  # fmt: skip


def test_conjoined_names_may_be_joined_by_versus() -> None:
    assert [(a, b) for a, b, _, _ in conjoined("Broncos vs Steelers")] == [("Broncos", "Steelers")]
    assert conjoined("What did Xi say?") == []


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("Normans", True),
        ("Denver Broncos", True),
        ("Xi", False),
        ("Congress", False),
        ("Paris", False),
    ],
)
def test_a_plural_name_ends_in_a_plain_s(name: str, plural: bool) -> None:
    assert is_plural(name) is plural


def test_topic_words_drop_question_and_function_words() -> None:
    assert topic_words("What did Xi say about the vaccines?") == ["Xi", "vaccines"]


def test_a_name_the_text_keeps_calling_he_is_a_person() -> None:
    text = " ".join(f"Tesla worked on item {n}. He finished it." for n in range(5))
    text += " Tesla Electric Light & Manufacturing installed lamps. It failed."
    assert is_person("Tesla", [text])
    assert not is_person("Tesla Electric Light & Manufacturing", [text])
    assert not is_person("Tesla", ["Tesla worked. He rested."]), "two mentions prove little"
