"""Chat: follow-ups, repeats, scope and multi-sentence answers.

Most tests use the fake encoder (milliseconds); those marked slow use the real model and
check that the conversation finds the passages a person would expect.
"""

from __future__ import annotations

import re

import pytest

from qa import Answer, Assistant, QuestionError, Source, UnknownDocumentError
from qa.answer.aggregation import AggregationConfig
from qa.converse import Chat, FollowUpStrategy, SearchPlan, Turn


def assert_citations_are_exact(reply: Answer, assistant: Assistant) -> None:
    """Every marker names a source whose highlight is a verbatim quote in the answer."""
    numbers = {s.number for s in reply.sources}
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", reply.text)]
    assert markers, reply.text
    assert set(markers) <= numbers
    assert len(markers) == len(set(markers)), "each quote is cited once"
    for source in reply.sources:
        if source.answer_start is None:
            continue
        assert source.number in markers
        document = next(d for d in assistant.documents if d.id == source.doc_id)
        assert document.text[source.start : source.end] == source.text
        start = source.start + source.answer_start
        assert document.text[start : start + len(source.answer)] == source.answer
        assert f"{source.answer} [{source.number}]" in reply.text


# ----- history ------------------------------------------------------------------------
def test_history_records_each_turn_with_what_was_searched(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    first = chat.ask("What did Putin say about the war?")
    second = chat.ask("What did he express satisfaction with?")
    assert [t.question for t in chat.history] == [
        "What did Putin say about the war?",
        "What did he express satisfaction with?",
    ]
    assert [t.answer for t in chat.history] == [first, second]
    assert chat.history[0].kind == "standalone"
    assert chat.history[1].kind == "pronoun"
    assert chat.history[1].query == "What did Putin express satisfaction with?"
    assert second.question == "What did he express satisfaction with?"


def test_history_is_a_copy(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Xi say about vaccines?")
    chat.history.clear()
    assert len(chat.history) == 1


def test_reset_forgets_the_conversation(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Putin say about the war?")
    chat.reset()
    assert chat.history == []
    chat.ask("What did he express satisfaction with?")
    assert chat.history[0].kind == "standalone"
    assert chat.history[0].searched == "What did he express satisfaction with?"


def test_a_turn_built_by_hand_still_works() -> None:
    turn = Turn("Why?", Answer("Why?", "No.", False, 0.0))
    assert turn.searched == "Why?"
    assert turn.kind == "standalone"


def test_a_new_assistant_keeps_the_history_and_answers_from_then_on(
    fake_assistant: Assistant,
) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Xi say about vaccines?")
    fork = fake_assistant.fork()
    chat.assistant = fork
    assert chat.strategy.assistant is fork
    assert len(chat.history) == 1


# ----- stand-alone questions and repeats ---------------------------------------------
def test_a_stand_alone_question_gets_exactly_the_assistants_answer(
    fake_assistant: Assistant,
) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Xi say about vaccines?")
    question = "What did Putin say about external forces?"
    assert chat.ask(question) == fake_assistant.ask(question)


def test_a_repeated_question_gets_the_identical_answer(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    first = chat.ask("What did the two leaders agree on?")
    chat.ask("What did Xi say about vaccines?")
    again = chat.ask("What did the two leaders agree on?")
    assert again == first
    assert chat.history[-1].kind == "repeat"


def test_a_follow_up_that_only_repeats_the_question_gets_the_same_answer(
    fake_assistant: Assistant,
) -> None:
    chat = fake_assistant.chat()
    first = chat.ask("What did Putin express satisfaction with?")
    again = chat.ask("What did he express satisfaction with?")
    assert again.text == first.text
    assert again.sources == first.sources
    assert again.question == "What did he express satisfaction with?"


def test_other_question_words_are_not_repeats(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    chat.ask("How did Xi and Putin talk?")
    chat.ask("When?")
    assert chat.history[-1].kind == "why"
    assert chat.history[-1].query.startswith("When")


def test_without_follow_up_handling_every_question_is_asked_alone(
    fake_assistant: Assistant,
) -> None:
    chat = Chat(fake_assistant, follow_ups=False)
    chat.ask("What did Putin say about the war?")
    reply = chat.ask("What did he express satisfaction with?")
    assert reply == fake_assistant.ask("What did he express satisfaction with?")
    assert chat.history[-1].kind == "standalone"


# ----- follow-ups find the passages meant --------------------------------------------
def test_and_what_did_putin_say_about_the_war_searches_putins_passage(
    fake_assistant: Assistant,
) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Xi say about vaccines?")
    reply = chat.ask("And what did Putin say about the war?")
    assert "Putin" in chat.history[-1].query
    assert "Anti-Fascist War" in reply.sources[0].text


def test_he_after_a_putin_turn_finds_the_satisfaction_sentence(
    fake_assistant: Assistant,
) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Putin say about the war?")
    reply = chat.ask("What did he express satisfaction with?")
    assert reply.found
    assert reply.text.startswith("Putin expressed satisfaction with the development")
    assert_citations_are_exact(reply, fake_assistant)


def test_and_xi_asks_the_previous_question_about_xi(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    chat.ask("What did Putin say about vaccines?")
    reply = chat.ask("And Xi?")
    assert chat.history[-1].query == "What did Xi say about vaccines?"
    assert "vaccine research" in reply.text


def test_what_else_does_not_repeat_a_quoted_sentence(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    first = chat.ask("What did Putin express satisfaction with?")
    more = chat.ask("What else did he say?")
    quoted = {s.answer for s in first.sources if s.answer}
    assert chat.history[-1].kind == "more"
    assert not any(q and q in more.text for q in quoted)


# ----- scope --------------------------------------------------------------------------
def test_documents_scope_passes_through(fake_encoder: object) -> None:
    assistant = Assistant.from_texts(
        [
            "Putin praised the treaty. Putin spoke about the war.",
            "Xi praised the vaccine plan. Xi spoke about trade.",
        ],
        titles=["Putin notes", "Xi notes"],
        embedder=fake_encoder,  # type: ignore[arg-type]
    )
    putin, xi = (d.id for d in assistant.documents)
    chat = assistant.chat()
    reply = chat.ask("What was praised?", documents=[xi])
    assert {s.doc_id for s in reply.sources} == {xi}
    follow = chat.ask("What did they speak about?", documents=[putin])
    assert {s.doc_id for s in follow.sources} == {putin}
    assert chat.history[-1].documents == frozenset({putin})


def test_the_same_question_in_another_scope_is_not_a_repeat(fake_assistant: Assistant) -> None:
    chat = fake_assistant.chat()
    doc_id = fake_assistant.documents[0].id
    chat.ask("What did Xi say about vaccines?")
    chat.ask("What did Xi say about vaccines?", documents=doc_id)
    assert chat.history[-1].kind == "standalone"


def test_a_repeat_after_the_documents_changed_is_answered_again(fake_encoder: object) -> None:
    assistant = Assistant.from_texts(
        ["Putin praised the treaty."],
        embedder=fake_encoder,  # type: ignore[arg-type]
    )
    chat = assistant.chat()
    chat.ask("What was praised?")
    assistant.add_documents(["Xi praised the vaccine plan and the treaty."])
    chat.ask("What was praised?")
    assert chat.history[-1].kind == "standalone"
    chat.ask("What was praised?")
    assert chat.history[-1].kind == "repeat"


def test_an_unknown_document_is_refused_by_name(fake_assistant: Assistant) -> None:
    with pytest.raises(UnknownDocumentError, match="No document with id 'nope'; known ids"):
        fake_assistant.chat().ask("What did Xi say?", documents=["nope"])


@pytest.mark.parametrize(
    ("question", "top_k", "message"),
    [
        ("", 3, "The question is empty"),
        ("   ", 3, "The question is empty"),
        (42, 3, "The question must be text, got int"),
        ("?!", 3, "no words in it"),
        ("What did Xi say?", 0, "top_k must be between 1 and 100, got 0"),
        ("What did Xi say?", "3", "top_k must be a whole number"),
    ],
)
def test_bad_questions_are_refused_and_not_recorded(
    fake_assistant: Assistant, question: object, top_k: object, message: str
) -> None:
    chat = fake_assistant.chat()
    with pytest.raises(QuestionError, match=message):
        chat.ask(question, top_k=top_k)  # type: ignore[arg-type]
    assert chat.history == []


# ----- comparisons and several sentences ---------------------------------------------
def test_a_comparison_quotes_each_party_with_its_own_citation(fake_assistant: Assistant) -> None:
    reply = fake_assistant.chat().ask("Compare what Xi and Putin said about Afghanistan")
    assert reply.found
    assert reply.text.count("[") >= 2
    assert_citations_are_exact(reply, fake_assistant)
    quotes = [s.answer for s in reply.sources if s.answer]
    assert any("Xi" in q for q in quotes)
    assert any("Putin" in q for q in quotes)


def test_a_list_question_collects_cited_sentences_within_the_budget(
    fake_assistant: Assistant,
) -> None:
    chat = Chat(fake_assistant, aggregation=AggregationConfig(max_chars=500, ratio=0.01))
    reply = chat.ask("What did the two leaders agree on?")
    quotes = [s.answer for s in reply.sources if s.answer]
    assert len(quotes) >= 2
    assert sum(len(q) for q in quotes) <= 500
    assert "agreed to step up bilateral contacts" in quotes[0]
    assert_citations_are_exact(reply, fake_assistant)


def test_a_tiny_budget_keeps_the_single_best_answer(fake_assistant: Assistant) -> None:
    plain = fake_assistant.ask("What did the two leaders agree on?")
    chat = Chat(fake_assistant, aggregation=AggregationConfig(max_chars=1, ratio=0.01))
    assert chat.ask("What did the two leaders agree on?").text == plain.text


# ----- the real model ----------------------------------------------------------------
@pytest.mark.slow
def test_real_putin_follow_up_finds_putins_war_passage(real_assistant: Assistant) -> None:
    chat = real_assistant.chat()
    chat.ask("What did Xi say about vaccines?")
    reply = chat.ask("And what did Putin say about the war?")
    cited = [s for s in reply.sources if s.answer]
    assert cited and "Putin" in cited[0].text and "War" in cited[0].text


@pytest.mark.slow
def test_real_he_expressed_satisfaction(real_assistant: Assistant) -> None:
    chat = real_assistant.chat()
    chat.ask("What did Putin say about external forces?")
    reply = chat.ask("What did he express satisfaction with?")
    assert reply.found
    assert "development of China-Russia relations" in reply.text
    assert_citations_are_exact(reply, real_assistant)


@pytest.mark.slow
def test_real_comparison_has_evidence_from_both(real_assistant: Assistant) -> None:
    reply = real_assistant.chat().ask("Compare what Xi and Putin said about Afghanistan.")
    assert "respects Afghanistan’s sovereignty" in reply.text
    assert "external forces" in reply.text
    assert_citations_are_exact(reply, real_assistant)


@pytest.mark.slow
def test_real_agreements_are_collected_each_cited(real_assistant: Assistant) -> None:
    chat = real_assistant.chat()
    reply = chat.ask("What did the two leaders agree on?")
    quotes = [s.answer for s in reply.sources if s.answer]
    assert len(quotes) >= 2
    assert "agreed to step up bilateral contacts" in reply.text
    assert sum(len(q) for q in quotes) <= 500
    assert_citations_are_exact(reply, real_assistant)
    more = chat.ask("What else did they agree on?")
    assert more.found
    assert not any(q in more.text for q in quotes)
    assert_citations_are_exact(more, real_assistant)


# ----- which reading answers: decided by where the answer comes from ----------------------
def _quoting(doc_id: str, sentence: str, start: int = 0) -> Answer:
    """An answer quoting `sentence`, found at `start` of document `doc_id`."""
    source = Source(
        1, doc_id, doc_id, sentence, start, start + len(sentence), 1.0, 0, len(sentence)
    )
    return Answer("q", f"{sentence} [1]", True, 0.9, [source])


class ScriptedStrategy(FollowUpStrategy):
    """A strategy whose searches return scripted answers, recording what each one searched."""

    def __init__(
        self, assistant: Assistant, replies: dict[tuple[str, frozenset[str] | None], Answer]
    ) -> None:
        super().__init__(assistant)
        self.replies = replies
        self.searched: list[tuple[str, frozenset[str] | None]] = []

    def search(self, plan: SearchPlan) -> Answer:
        self.searched.append((plan.query, plan.scope))
        refusal = Answer(plan.query, "The documents don't say.", False, 0.1, [])
        return self.replies.get((plan.query, plan.scope), refusal)


class ScriptedChat(Chat[Assistant]):
    """A chat over a scripted strategy; `searched` lists what each search searched."""

    def __init__(
        self, assistant: Assistant, replies: dict[tuple[str, frozenset[str] | None], Answer]
    ) -> None:
        script = ScriptedStrategy(assistant, replies)
        super().__init__(assistant, strategy=script)
        self.searched = script.searched


SCHEELE = _quoting("oxygen", "Scheele found it in 1773.")
WON_2000 = _quoting("warsaw", "Polonia won the championship in 2000.", 100)
WON_1946 = _quoting("warsaw", "They also won it in 1946.", 200)


def test_a_follow_up_that_re_quotes_the_last_answer_takes_its_own_words(
    fake_assistant: Assistant,
) -> None:
    chat = ScriptedChat(fake_assistant, {
        ("Who won the championship in 2000?", None): WON_2000,
        ("When did Polonia win the championship before that?", None): WON_2000,
        ("When did they win the championship before that?", frozenset({"warsaw"})): WON_1946,
    })  # fmt: skip
    chat.ask("Who won the championship in 2000?")
    reply = chat.ask("When did they win the championship before that?")
    assert chat.history[-1].query == "When did Polonia win the championship before that?"
    assert reply.text == WON_1946.text, "searched on its own words in the last answer's document"


def test_a_follow_up_keeps_its_rewrite_when_its_own_words_find_nothing_new(
    fake_assistant: Assistant,
) -> None:
    chat = ScriptedChat(fake_assistant, {
        ("Who won the championship in 2000?", None): WON_2000,
        ("Where did Polonia win the championship?", None): WON_2000,
    })  # fmt: skip
    chat.ask("Who won the championship in 2000?")
    assert chat.ask("Where did they win the championship?").text == WON_2000.text


def test_a_question_naming_nothing_that_leaves_the_document_is_searched_with_its_topic(
    fake_assistant: Assistant,
) -> None:
    elsewhere = _quoting("plague", "The word plague had no special significance.")
    lavoisier = _quoting("oxygen", "Lavoisier first used the word oxygène.", 300)
    topical = "Who first used the word Scheele discover oxygen?"
    chat = ScriptedChat(fake_assistant, {
        ("When did Scheele discover oxygen?", None): SCHEELE,
        ("Who first used the word?", None): elsewhere,
        (topical, frozenset({"oxygen"})): lavoisier,
    })  # fmt: skip
    chat.ask("When did Scheele discover oxygen?")
    assert chat.ask("Who first used the word?").text == lavoisier.text
    assert (chat.history[-1].kind, chat.history[-1].query) == ("topic", topical)


def test_a_question_with_a_name_of_its_own_is_answered_as_asked(fake_assistant: Assistant) -> None:
    brazil = _quoting("amazon", "Brazil is the second-largest producer of soybeans.")
    chat = ScriptedChat(fake_assistant, {
        ("When did Scheele discover oxygen?", None): SCHEELE,
        ("Where does Brazil rank in soybean production?", None): brazil,
    })  # fmt: skip
    chat.ask("When did Scheele discover oxygen?")
    assert chat.ask("Where does Brazil rank in soybean production?").text == brazil.text
    assert chat.history[-1].kind == "standalone"
    assert len(chat.searched) == 2, "no second search"
