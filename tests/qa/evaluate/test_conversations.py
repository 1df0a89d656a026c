"""The conversation evaluation: labelled conversations answered three ways, per-turn accuracy.

Most tests use the fake encoder (milliseconds); the one marked slow answers the shipped
conversation set with the real model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa import Assistant
from qa.evaluate.conversations import (
    ConversationReport,
    evaluate_conversations,
    load_conversations,
)
from qa.evaluate.datasets import DatasetError

CONVERSATIONS = Path(__file__).resolve().parents[2] / "data" / "conversations.jsonl"
XQUAD = Path("/work/shared/datasets/xquad/xquad.en.json")


def _write_xquad(path: Path) -> Path:
    paragraphs = [
        "Ada Lovelace wrote the first program in 1843. She worked with Charles Babbage.",
        "Babbage designed the Analytical Engine. He never finished building it.",
    ]
    data = {
        "data": [
            {
                "title": "Tiny_Computing",
                "paragraphs": [{"context": p, "qas": []} for p in paragraphs],
            }
        ]
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _write_conversations(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


TINY = {
    "id": "tiny",
    "documents": ["xquad:Tiny Computing"],
    "turns": [
        {
            "question": "When did Ada Lovelace write the first program?",
            "answers": ["1843"],
            "follow_up": False,
        },
        {
            "question": "Who did she work with?",
            "answers": ["Charles Babbage"],
            "follow_up": True,
            "rewrite": "Who did Ada Lovelace work with?",
        },
        {
            "question": "What did Babbage design?",
            "answers": ["Analytical Engine"],
            "follow_up": False,
        },
    ],
}


def test_evaluation_reports_each_turn_three_ways(tmp_path: Path, fake_assistant: Assistant) -> None:
    xquad = _write_xquad(tmp_path / "xquad.json")
    path = _write_conversations(tmp_path / "c.jsonl", [TINY])
    report = evaluate_conversations(fake_assistant, path, xquad_path=xquad)
    assert isinstance(report, ConversationReport)
    assert report.conversations == 1
    assert [r.turn for r in report.results] == [1, 2, 3]
    assert [r.follow_up for r in report.results] == [False, True, False]
    assert report.results[1].searched == "Who did Ada Lovelace work with?"
    for result in report.results:
        if not result.follow_up:  # stand-alone turns are answered as Assistant.ask does
            assert result.correct_chat == result.correct_alone
    table = report.table()
    for label in ("stand-alone", "follow-up", "all", "without follow-up handling", "hand-written"):
        assert label in table
    assert len(fake_assistant.documents) == 1, "the assistant passed in is not changed"
    part = report.where(lambda r: r.follow_up, "follow-ups only")
    assert part.conversations == 1
    assert [r.turn for r in part.results] == [2]
    assert part.table().startswith("Conversation accuracy: follow-ups only (1 conversations)")


def test_accuracy_needs_a_known_mode(tmp_path: Path, fake_assistant: Assistant) -> None:
    report = ConversationReport("x", 0, ())
    assert report.accuracy(follow_up=None, mode="chat") == 0.0
    with pytest.raises(ValueError, match="mode must be 'alone', 'chat' or 'rewrite'; got 'x'"):
        report.accuracy(follow_up=None, mode="x")


def test_the_shipped_conversation_set_is_well_formed() -> None:
    conversations = load_conversations(CONVERSATIONS)
    assert len(conversations) >= 15
    assert all(len(c.turns) >= 3 for c in conversations)
    documents = {d for c in conversations for d in c.documents}
    assert "bundled" in documents
    assert any(d.startswith("xquad:") for d in documents)
    turns = [t for c in conversations for t in c.turns]
    assert sum(t.follow_up for t in turns) >= 30
    assert sum(not t.follow_up for t in turns) >= 20


_TURN = '{"documents": ["bundled"], "turns": [%s]}'
BAD_LINES = [
    ("{not json", "line 1: not JSON"),
    ("[1, 2]", "line 1: a conversation must be a JSON object"),
    ('{"documents": ["web:x"], "turns": []}', "'documents' must list 'bundled'"),
    ('{"documents": ["bundled"], "turns": []}', "'turns' must be a non-empty list"),
    (_TURN % '{"answers": ["x"]}', "turn 1: needs a 'question'"),
    (_TURN % '{"question": "q", "answers": [], "follow_up": false}', "'answers' must be"),
    (_TURN % '{"question": "q", "answers": ["the"], "follow_up": false}', "'answers' must be"),
    (_TURN % '{"question": "q", "answers": ["x"]}', "'follow_up' must be true or false"),
    (
        _TURN % '{"question": "q", "answers": ["x"], "follow_up": true}',
        "turn 1: a follow-up needs a 'rewrite'",
    ),
    (
        _TURN % '{"question": "q", "answers": ["x"], "follow_up": true, "rewrite": "r"}',
        "turn 1: the first turn cannot be a follow-up",
    ),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_malformed_conversation_set_is_refused_with_the_place(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=re.escape(message)):
        load_conversations(path)


def test_a_missing_or_empty_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="Cannot read conversation set"):
        load_conversations(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="holds no conversations"):
        load_conversations(tmp_path / "empty.jsonl")


def test_xquad_articles_need_the_xquad_file(tmp_path: Path, fake_assistant: Assistant) -> None:
    path = _write_conversations(tmp_path / "c.jsonl", [TINY])
    with pytest.raises(DatasetError, match="pass xquad_path="):
        evaluate_conversations(fake_assistant, path)
    other = dict(TINY, documents=["xquad:No Such Article"])
    path = _write_conversations(tmp_path / "d.jsonl", [other])
    with pytest.raises(DatasetError, match="has no article titled 'No Such Article'"):
        evaluate_conversations(fake_assistant, path, xquad_path=_write_xquad(tmp_path / "x.json"))


@pytest.mark.slow
@pytest.mark.skipif(not XQUAD.is_file(), reason="XQuAD-en is not on this machine")
def test_real_conversation_set_follow_ups_gain_and_stand_alone_does_not_drop(
    real_assistant: Assistant,
) -> None:
    report = evaluate_conversations(real_assistant, CONVERSATIONS, xquad_path=XQUAD)
    print(report.table())
    assert report.accuracy(follow_up=False, mode="chat") >= report.accuracy(
        follow_up=False, mode="alone"
    )
    assert report.accuracy(follow_up=True, mode="chat") > report.accuracy(
        follow_up=True, mode="alone"
    )
