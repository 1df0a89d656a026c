"""Which earlier name a pronoun stands for, and the question with that name in its place."""

from __future__ import annotations

from qa.converse.pronouns import PreviousTurn, antecedent, replace_pronouns

XI_VACCINES = PreviousTurn("What did Xi say about vaccines?", "Xi said to deepen cooperation. [1]")
BOTH = PreviousTurn("What did Xi and Putin discuss?", "They discussed Afghanistan. [1]")


def test_a_person_pronoun_takes_the_subject_of_the_newest_turn() -> None:
    older = PreviousTurn("What did Putin say about the war?")
    assert antecedent("person", [XI_VACCINES, older]) == "Xi"


def test_they_after_two_named_parties_is_both() -> None:
    assert antecedent("plural", [BOTH]) == "Xi and Putin"


def test_with_no_names_anywhere_there_is_no_antecedent() -> None:
    assert (
        antecedent("person", [PreviousTurn("What happened next?", "the talks ended. [1]")]) is None
    )


def test_replacing_returns_the_question_and_the_names_carried() -> None:
    assert replace_pronouns("What did he say about Afghanistan?", [XI_VACCINES]) == (
        "What did Xi say about Afghanistan?",
        ("Xi",),
    )


def test_a_possessive_pronoun_becomes_a_possessive_name() -> None:
    rewritten, _ = replace_pronouns("What was his view?", [XI_VACCINES])
    assert rewritten == "What was Xi's view?"


def test_a_pronoun_bound_inside_its_own_question_is_left_alone() -> None:
    question = "Where was Tesla born and when did he die?"
    assert replace_pronouns(question, [XI_VACCINES]) == (question, ())


def test_a_pronoun_inside_code_is_an_identifier() -> None:
    question = "What does `it` return?"
    assert replace_pronouns(question, [XI_VACCINES]) == (question, ())
