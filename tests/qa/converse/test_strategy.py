"""The follow-up strategy: each search is one SearchPlan, and the plain plan is `ask`."""

from __future__ import annotations

import dataclasses

import pytest

from qa import Answer, Assistant
from qa.converse import FollowUpStrategy, SearchPlan, resolve


def test_a_plain_plan_is_exactly_the_assistants_answer(fake_assistant: Assistant) -> None:
    strategy = FollowUpStrategy(fake_assistant)
    question = "What did Putin say about external forces?"
    assert strategy.search(SearchPlan(question, 3)) == fake_assistant.ask(question)


def test_a_plan_is_frozen_and_its_options_are_keywords() -> None:
    plan = SearchPlan("What did Xi say?", 3, None, wording="What did he say?", readings=1)
    assert plan.words == "What did he say?"
    assert SearchPlan("What did Xi say?", 3).words == "What did Xi say?", "'' = the query"
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.top_k = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        SearchPlan("q", 3, None, "wording")  # type: ignore[misc]


def test_a_scoped_plan_cites_only_its_documents(fake_assistant: Assistant) -> None:
    strategy = FollowUpStrategy(fake_assistant)
    doc_id = fake_assistant.documents[0].id
    reply = strategy.search(SearchPlan("What did Xi say about vaccines?", 3, frozenset({doc_id})))
    assert reply.found and {s.doc_id for s in reply.sources} == {doc_id}


def test_a_comparison_is_answered_once_per_party(fake_assistant: Assistant) -> None:
    searched: list[SearchPlan] = []

    class Recording(FollowUpStrategy):
        def search(self, plan: SearchPlan) -> Answer:
            searched.append(plan)
            return super().search(plan)

    question = "Compare what Xi and Putin said about Afghanistan"
    query, reply = Recording(fake_assistant).respond(resolve(question, []), [], 3, None)
    assert query == question and reply.found
    assert [(p.query, p.party, p.others) for p in searched] == [
        ("What Xi said about Afghanistan", "Xi", ("Putin",)),
        ("What Putin said about Afghanistan", "Putin", ("Xi",)),
    ]


def test_over_another_assistant_is_a_copy(fake_assistant: Assistant) -> None:
    strategy = FollowUpStrategy(fake_assistant)
    fork = fake_assistant.fork()
    moved = strategy.over(fork)
    assert moved.assistant is fork and strategy.assistant is fake_assistant
    assert moved.aggregation is strategy.aggregation
