"""Issue 6, item 8 (threats D4, D10): the same word in another Unicode form still matches.

Each case pairs a document and a question that differ only by one Unicode variation
(decomposed accents, zero-width characters, full-width letters, a ligature, a soft
hyphen, a two-character CJK term) or reach the assistant through a legacy encoding
(cp1252, UTF-16, UTF-8 with BOM). The target must be among the top 3 of a collection
that also holds the bundled article and distractors that share no rare words with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reliability_harness as harness

from embeddings import TextEncoder
from qa import Assistant
from qa.loading import bundled_article_path

CASES = {
    "decomposed accents in the document": (
        "The cafe\u0301 on Rue Mu\u0308ller serves cre\u0300me bru\u0302le\u0301e daily.",
        "Which café serves crème brûlée?",
    ),
    "decomposed accents in the question": (
        "Zoë Saldaña toured the Ångström laboratory in Malmö.",
        "Who toured the A\u030angstro\u0308m laboratory?",
    ),
    "zero-width space inside a document word": (
        "The pass\u200bword for the vault is swordfish.",
        "What is the password for the vault?",
    ),
    "zero-width joiner inside a question word": (
        "The quarterly dividend was raised by the board.",
        "Was the divi\u200ddend raised?",
    ),
    "full-width letters in the document": (
        "ＴＯＫＹＯ hosts the ｓｕｍｍｉｔ in April.",
        "When is the Tokyo summit?",
    ),
    "full-width letters in the question": (
        "The Nikkei index rose sharply on Friday.",
        "How did the ｎｉｋｋｅｉ index move?",
    ),
    "soft hyphen": (
        "The infor\u00admation desk closes at noon.",
        "When does the information desk close?",
    ),
    "ligature": (
        "The ﬁnance ministry published the budget.",
        "What did the finance ministry publish?",
    ),
    "two-character CJK term": ("我们明天去北京参观故宫。", "北京"),
}
FILES = {
    "cp1252 file": ("müller.txt", "cp1252", "Herr Müller’s café sells naïve crêpes.", "Müller"),
    "UTF-16 file": ("angstrom.txt", "utf-16", "Ångström measured hydrogen lines.", "Ångström"),
    "UTF-8 file with BOM": ("bom.txt", "utf-8-sig", "Søren Kierkegaard wrote Either/Or.", "Søren"),
}
DISTRACTORS = [
    "上海是一个大城市。东京有很多人。",
    "The weather was mild and the river was calm.",
    "A committee met to discuss the annual report.",
]


def _collection(embedder: TextEncoder, tmp_path: Path) -> tuple[Assistant, dict[str, str]]:
    """One collection with every target, so each case competes with the others too."""
    assistant = Assistant(embedder)
    assistant.add_documents([bundled_article_path(), *DISTRACTORS])
    targets = {name: assistant.add_documents([text])[0] for name, (text, _) in CASES.items()}
    for name, (file_name, encoding, text, _) in FILES.items():
        path = tmp_path / file_name
        path.write_bytes(text.encode(encoding))
        [doc_id] = assistant.add_documents([path])
        assert assistant.collection.entry(doc_id).document.text == text
        targets[name] = doc_id
    return assistant, targets


QUESTIONS = {**{k: q for k, (_, q) in CASES.items()}, **{k: f[3] for k, f in FILES.items()}}


@pytest.fixture(scope="module")
def fake_collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assistant, dict[str, str]]:
    return _collection(harness.FakeEncoder(), tmp_path_factory.mktemp("unicode"))


@pytest.mark.parametrize("case", list(QUESTIONS))
def test_the_target_is_found_whatever_the_unicode_form(
    fake_collection: tuple[Assistant, dict[str, str]], case: str
) -> None:
    assistant, targets = fake_collection
    question = QUESTIONS[case]
    assert targets[case] in [s.doc_id for s in assistant.search(question, k=3)]
    assert targets[case] in [s.doc_id for s in assistant.ask(question, top_k=3).sources]


@pytest.mark.slow
def test_with_the_real_model_every_target_is_in_the_hybrid_top_3(
    real_embedder: TextEncoder, tmp_path: Path
) -> None:
    assistant, targets = _collection(real_embedder, tmp_path)
    missed = {
        case: [s.title for s in assistant.search(question, k=3)]
        for case, question in QUESTIONS.items()
        if targets[case] not in [s.doc_id for s in assistant.search(question, k=3)]
    }
    assert missed == {}


CONTROL_TEXT = "Lanterns \ud800light the\x00 harbour\x1b[31m at night.\udfff"


def test_control_characters_and_lone_surrogates_are_cleaned_out_of_documents() -> None:
    """D11: NUL and escape codes are dropped; a lone surrogate becomes U+FFFD, one for one."""
    assistant = Assistant(harness.FakeEncoder())
    [doc_id] = assistant.add_documents([CONTROL_TEXT])
    text = assistant.collection.entry(doc_id).document.text
    assert text == "Lanterns \ufffdlight the harbour[31m at night.\ufffd"
    assert "harbour" in assistant.ask("Where are the lanterns?").text


@pytest.mark.slow
def test_a_lone_surrogate_in_a_document_does_not_break_the_real_tokenizer(
    real_embedder: TextEncoder,
) -> None:
    """It used to: the tokenizer raised a bare TypeError from add_documents."""
    assistant = Assistant(real_embedder)
    assistant.add_documents([CONTROL_TEXT])
    assert assistant.ask("Where are the lanterns?").found
