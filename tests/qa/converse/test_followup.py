"""Follow-up resolution: which questions lean on earlier turns, and what they become.

Pure text rules, no model involved.
"""

from __future__ import annotations

import pytest

from qa.converse.followup import PreviousTurn, resolve

XI_VACCINES = PreviousTurn(
    "What did Xi say about vaccines?",
    "Xi said that with the fluctuation of the pandemic, the two should deepen vaccine "
    "research and development cooperation to secure the global vaccine supply chain. [1]",
)
PUTIN_WAR = PreviousTurn(
    "What did Putin say about the war?",
    "Putin expressed satisfaction with the development of China-Russia relations. [1]",
)


# ----- stand-alone questions are left alone -------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about external forces?",
        "Where was Tesla born and when did he die?",
        "How old was Peyton Manning when he played in Super Bowl 50?",
        "What caused the plague and how did it spread?",
        "What is it called when water boils?",
        "What did the monks say they would do?",
        "What war marks the 76th anniversary of its end in 2021?",
    ],
)
def test_questions_that_stand_alone_are_unchanged(question: str) -> None:
    resolution = resolve(question, [XI_VACCINES])
    assert resolution.kind == "standalone"
    assert resolution.query == question
    assert not resolution.is_follow_up


def test_without_history_nothing_is_a_follow_up() -> None:
    resolution = resolve("What did he express satisfaction with?", [])
    assert resolution.kind == "standalone"
    assert resolution.query == "What did he express satisfaction with?"


# ----- follow-ups ----------------------------------------------------------------------
def test_a_pronoun_takes_the_previous_subject() -> None:
    resolution = resolve("What did he express satisfaction with?", [XI_VACCINES, PUTIN_WAR])
    assert resolution.kind == "pronoun"
    assert resolution.query == "What did Putin express satisfaction with?"
    assert resolution.carried == ("Putin",)
    assert resolution.use_prior
    # The answer is matched against the question's own words too: documents say "he".
    assert resolution.answer_wording == "What did he express satisfaction with?"


@pytest.mark.parametrize(
    ("earlier", "resolved"),
    [
        ("What is `Rc<T>` used for?", "How do I clone `Rc<T>`?"),
        ("What is Rc<T> used for?", "How do I clone Rc<T>?"),
        ("Is Vec<T> or Rc<T> cheaper to clone?", "How do I clone Rc<T>?"),
        ("What does try_recv return?", "How do I clone try_recv?"),
    ],
)
def test_a_pronoun_never_resolves_to_a_word_inside_code(earlier: str, resolved: str) -> None:
    # "it" once became "T", the type parameter of `Rc<T>`: code is one mention, whole.
    assert resolve("How do I clone it?", [PreviousTurn(earlier)]).query == resolved


def test_a_pronoun_spelled_inside_code_is_an_identifier_and_stays() -> None:
    question = "What does `it` mean in a Kotlin lambda?"
    assert resolve(question, [PreviousTurn("What is Kotlin?")]).query == question


def test_only_the_first_pronoun_is_replaced_the_rest_now_point_at_the_name() -> None:
    resolution = resolve("How did he finance his work?", [PreviousTurn("What year did Tesla die?")])
    assert resolution.query == "How did Tesla finance his work?"


def test_a_possessive_pronoun_becomes_a_possessive_name() -> None:
    history = [PreviousTurn("When was Temüjin elected khan?")]
    assert resolve("What is the name of his wife?", history).query == (
        "What is the name of Temüjin's wife?"
    )


def test_a_name_in_the_same_clause_does_not_bind_a_pronoun() -> None:
    history = [
        PreviousTurn(
            "Who sang the national anthem?", "Lady Gaga performed the national anthem. [1]"
        )
    ]
    resolution = resolve("How many Grammys has she won?", history)
    assert resolution.query == "How many Grammys has Lady Gaga won?"


def test_after_a_who_question_he_is_the_person_the_answer_named() -> None:
    history = [
        PreviousTurn(
            "Who succeeded Ayurbarwada?",
            "Emperor Gegeen Khan, Ayurbarwada's son and successor, ruled for two years. [1]",
        )
    ]
    assert resolve("Who did he appoint?", history).query == "Who did Emperor Gegeen Khan appoint?"


def test_after_a_question_about_someones_people_he_is_still_that_someone() -> None:
    history = [
        PreviousTurn(
            "Who were two of Kublai's Chinese advisers?",
            "Chinese advisers such as Liu Bingzhong and Yao Shu gave strong influence. [1]",
        )
    ]
    assert resolve("What was his title?", history).query == "What was Kublai's title?"


def test_they_after_two_named_parties_is_both_of_them() -> None:
    history = [PreviousTurn("Compare what Xi and Putin said about Afghanistan.")]
    resolution = resolve("What did they say about terrorism?", history)
    assert resolution.query == "What did Xi and Putin say about terrorism?"


def test_they_after_a_plural_noun_phrase_is_that_phrase() -> None:
    history = [PreviousTurn("What did the two leaders agree on?")]
    resolution = resolve("Which organization do they intend to use?", history)
    assert resolution.query == "Which organization do the two leaders intend to use?"


def test_it_after_a_plural_in_the_same_question_still_points_back() -> None:
    history = [PreviousTurn("Which anniversary of the Sino-Russian Treaty is celebrated?")]
    resolution = resolve("What did the leaders call it?", history)
    assert resolution.kind == "pronoun"
    assert "Sino-Russian Treaty" in resolution.query


def test_a_leading_and_before_a_full_question_is_a_continuation() -> None:
    resolution = resolve("And what did Putin say about the war?", [XI_VACCINES])
    assert resolution.kind == "continuation"
    assert resolution.query == "what did Putin say about the war?"


def test_and_name_swaps_the_previous_subject_with_the_topic_swap_as_alternative() -> None:
    resolution = resolve("And Putin?", [XI_VACCINES])
    assert resolution.kind == "ellipsis"
    assert resolution.query == "What did Putin say about vaccines?"
    assert resolution.alternatives == ("What did Xi say about Putin?",)


@pytest.mark.parametrize("fragment", ["And the war?", "What about the war?", "and about the war?"])
def test_and_topic_swaps_the_previous_topic(fragment: str) -> None:
    resolution = resolve(fragment, [XI_VACCINES])
    assert resolution.kind == "ellipsis"
    assert resolution.query == "What did Xi say about the war?"


@pytest.mark.parametrize("word", ["Why?", "why", "How so?", "When?", "Why is that?"])
def test_a_bare_question_word_asks_the_previous_question_again(word: str) -> None:
    resolution = resolve(word, [PreviousTurn("What did Putin say about external forces?")])
    assert resolution.kind == "why"
    assert resolution.query.endswith("did Putin say about external forces")
    assert resolution.query.split()[0] == word.split()[0].rstrip("?").capitalize()


def test_what_else_keeps_the_subject_and_excludes_what_was_quoted() -> None:
    resolution = resolve("What else did he say?", [PUTIN_WAR])
    assert resolution.kind == "more"
    assert resolution.query == "What did Putin say"
    assert resolution.exclude_previous
    assert resolve("Anything else?", [PUTIN_WAR]).query == PUTIN_WAR.query


@pytest.mark.parametrize("question", ["Tell me more.", "More?", "Anything more?"])
def test_requests_for_more_are_what_else(question: str) -> None:
    assert resolve(question, [PUTIN_WAR]).kind == "more"


def test_more_as_a_comparative_is_no_request() -> None:
    question = "During what decade did the campus start to look more modern?"
    assert resolve(question, [PUTIN_WAR]).kind == "standalone"


def test_references_chain_through_resolved_turns() -> None:
    first = resolve("What did he express satisfaction with?", [PUTIN_WAR])
    second = resolve("What else did he say?", [PUTIN_WAR, PreviousTurn(first.query)])
    assert second.query == "What did Putin say"


def test_two_pronouns_never_take_the_same_name() -> None:
    history = [
        PreviousTurn(
            "Who won the Ekstraklasa Championship in 2000?",
            "Their local rivals, Polonia Warsaw, managed to win Ekstraklasa Championship in 2000.",
        )
    ]
    query = resolve("When did they win it before that?", history).query
    assert query.count("Polonia Warsaw") == 1
    assert "Ekstraklasa Championship" in query


def test_a_verb_after_what_is_no_antecedent() -> None:
    history = [PreviousTurn("When was Warsaw's first stock exchange established?")]
    assert resolve("What brought it to a stop?", history).query == (
        "What brought Warsaw's first stock exchange to a stop?"
    )


def test_it_after_a_possessor_is_the_possession() -> None:
    history = [PreviousTurn("When was Warsaw's first stock exchange established?")]
    assert resolve("When was it brought back to life?", history).query == (
        "When was Warsaw's first stock exchange brought back to life?"
    )


def test_the_answered_name_is_the_one_beside_the_shared_words() -> None:
    history = [
        PreviousTurn(
            "Who mapped the St. Johns River in 1562?",
            "French Huguenot explorer Jean Ribault charted the St. Johns River in 1562 calling "
            "it the River of May because he discovered it in May. [1]",
        )
    ]
    assert resolve("For what nation did he claim the area?", history).query == (
        "For what nation did Jean Ribault claim the area?"
    )


def test_why_keeps_the_verb_of_a_longer_question_phrase() -> None:
    history = [PreviousTurn("In what year did Harvard end its early admission program?")]
    assert resolve("Why?", history).query == "Why did Harvard end its early admission program"


# ----- "it" and the questioned noun ------------------------------------------------------
SCHOOLS_ACT = PreviousTurn(
    "What South African law recognized two types of schools?",
    "The South African Schools Act of 1996 recognised two categories of schools. [1]",
)


@pytest.mark.parametrize(
    ("question", "query"),
    [
        # A subject "it" is never its own clause's questioned noun (the year, the type).
        ("In what year was it passed?", "In what year was South African law passed?"),
        (
            "Along with public schools, what type of school did it recognize?",
            "Along with public schools, what type of school did South African law recognize?",
        ),
    ],
)
def test_a_subject_it_is_not_the_questioned_noun(question: str, query: str) -> None:
    assert resolve(question, [SCHOOLS_ACT]).query == query


def test_a_possessive_its_may_be_the_questioned_noun() -> None:
    question = "What war marks the 76th anniversary of its end in 2021?"
    assert resolve(question, [SCHOOLS_ACT]).query == question


def test_do_it_is_the_action_not_a_thing() -> None:
    history = [PreviousTurn("What chemist made enough liquid oxygen to study?", "James Dewar.")]
    assert resolve("In what year did he do it?", history).query == (
        "In what year did James Dewar do it?"
    )


# ----- "it" is not a person ----------------------------------------------------------------
def test_it_after_a_name_question_is_the_named_thing_not_its_possessor() -> None:
    history = [
        PreviousTurn(
            "What was the name of the company Robert Lane and Benjamin Vail financed?",
            "Robert Lane and Benjamin Vail agreed to finance an electric lighting company in "
            "Tesla's name, Tesla Electric Light & Manufacturing. [1]",
        )
    ]
    people = {"Tesla"}.__contains__
    assert resolve("What did it do?", history, people).query == (
        "What did Tesla Electric Light & Manufacturing do?"
    )
