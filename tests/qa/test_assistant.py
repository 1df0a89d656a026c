"""The public facade: constructors, documents in and out, and every bad input refused with
a message that says what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from embeddings import TextEncoder
from qa import (
    MAX_QUESTION_CHARS,
    Assistant,
    DocumentError,
    QuestionError,
    UnknownDocumentError,
)
from qa.loading import bundled_article_path

HEADLINE = "Xi and Putin Explore Efforts To Achieve Afghan Peace in Phone Call Today"
OTTERS = "Otters hold hands while they sleep.\n\nThey also keep a favourite stone."


def calls(assistant: Assistant) -> int:
    return assistant.embedder.calls  # type: ignore[attr-defined, no-any-return]


# ----- construction -----------------------------------------------------------------------
def test_default_indexes_the_bundled_article(fake_assistant: Assistant) -> None:
    [document] = fake_assistant.documents

    assert document.title == HEADLINE
    assert document.source == str(bundled_article_path())
    assert document.length == len(document.text) > 3000
    assert repr(fake_assistant) == "Assistant(documents=1, model='fake-hashing-encoder')"


def test_from_paths_reads_every_supported_format(
    files_dir: Path, pdf_file: Path, fake_encoder: TextEncoder
) -> None:
    paths = [files_dir / "notes.md", files_dir / "page.html", pdf_file]

    assistant = Assistant.from_paths(paths, embedder=fake_encoder)

    assert [d.title for d in assistant.documents] == [
        "Tea growing in Assam",
        "Lighthouses of Brittany & their keepers",
        "Solar panels on the roof (2019).",
    ]


def test_from_texts_uses_the_titles_given(fake_encoder: TextEncoder) -> None:
    assistant = Assistant.from_texts(
        [OTTERS, "Badgers dig setts."], titles=["Otters", "Badgers"], embedder=fake_encoder
    )

    assert [d.title for d in assistant.documents] == ["Otters", "Badgers"]
    assert [d.source for d in assistant.documents] == ["", ""]


def test_from_texts_needs_one_title_per_text(fake_encoder: TextEncoder) -> None:
    with pytest.raises(ValueError, match=r"Got 1 titles for 2 texts; they must match\."):
        Assistant.from_texts(["One.", "Two."], titles=["Only one"], embedder=fake_encoder)


def test_from_texts_refuses_a_bare_string(fake_encoder: TextEncoder) -> None:
    with pytest.raises(TypeError, match=r"texts must be a list of strings, not one string\."):
        Assistant.from_texts("One document.", embedder=fake_encoder)


def test_a_model_and_an_embedder_together_are_refused(fake_encoder: TextEncoder) -> None:
    with pytest.raises(ValueError, match=r"Pass either model= or embedder=, not both\."):
        Assistant.default(model="all-MiniLM-L6-v2", embedder=fake_encoder)


def test_importing_qa_loads_no_ui_and_no_model() -> None:
    code = (
        "import sys, qa; "
        "print(sorted(m for m in ('gradio', 'sentence_transformers', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"


# ----- documents ------------------------------------------------------------------------
def test_added_documents_are_listed_with_id_title_source_and_length(
    fake_assistant: Assistant,
) -> None:
    [otters] = fake_assistant.add_documents([OTTERS])

    added = fake_assistant.documents[-1]
    assert (added.id, added.title, added.source, added.length) == (
        otters,
        "Otters hold hands while they sleep.",
        "",
        len(OTTERS),
    )


def test_one_string_may_be_added_without_a_list(fake_assistant: Assistant) -> None:
    assert len(fake_assistant.add_documents(OTTERS)) == 1
    assert len(fake_assistant.documents) == 2


def test_the_same_content_added_twice_is_stored_once(fake_assistant: Assistant) -> None:
    first = fake_assistant.add_documents([OTTERS])
    passages, encoded = fake_assistant.collection.passage_count, calls(fake_assistant)

    second = fake_assistant.add_documents([OTTERS, OTTERS])

    assert second == first * 2
    assert len(fake_assistant.documents) == 2
    assert fake_assistant.collection.passage_count == passages
    assert calls(fake_assistant) == encoded  # nothing was embedded again


def test_a_file_already_added_as_text_is_not_added_again(fake_assistant: Assistant) -> None:
    text = bundled_article_path().read_text(encoding="utf-8")

    [same] = fake_assistant.add_documents([text])

    assert same == fake_assistant.documents[0].id
    assert len(fake_assistant.documents) == 1


def test_one_bad_file_leaves_the_collection_unchanged(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    before = fake_assistant.documents

    with pytest.raises(DocumentError, match=r"File not found: .*missing\.txt"):
        fake_assistant.add_documents([OTTERS, str(tmp_path / "missing.txt")])

    assert fake_assistant.documents == before


def test_an_empty_text_is_refused(fake_assistant: Assistant) -> None:
    with pytest.raises(DocumentError, match=r"is empty: it has no text to index"):
        fake_assistant.add_documents(["   \n  "])


def test_progress_is_reported_until_everything_is_encoded(fake_assistant: Assistant) -> None:
    reports: list[tuple[int, int]] = []

    def report(done: int, total: int) -> None:
        reports.append((done, total))

    fake_assistant.add_documents([OTTERS], progress=report)

    assert reports and reports[-1][0] == reports[-1][1]


def test_a_removed_document_is_gone_from_answers_and_search(fake_assistant: Assistant) -> None:
    [otters] = fake_assistant.add_documents([OTTERS])

    removed = fake_assistant.remove_document(otters)

    assert removed.id == otters
    assert [d.title for d in fake_assistant.documents] == [HEADLINE]
    assert all(s.doc_id != otters for s in fake_assistant.search("otters sleep hands", k=100))


def test_removing_an_unknown_document_is_refused_with_the_known_ids(
    fake_assistant: Assistant,
) -> None:
    known = fake_assistant.documents[0].id

    message = rf"No document with id 'nope'; known ids: {known}\."
    with pytest.raises(UnknownDocumentError, match=message):
        fake_assistant.remove_document("nope")


def test_an_unknown_document_in_a_question_scope_is_refused(fake_assistant: Assistant) -> None:
    with pytest.raises(UnknownDocumentError, match=r"No document with id 'nope'"):
        fake_assistant.ask("What did Putin say?", documents=["nope"])


def test_a_fork_changes_independently_without_encoding_again(fake_assistant: Assistant) -> None:
    article = fake_assistant.documents[0].text
    before = len(fake_assistant.embedder.encoded)  # type: ignore[attr-defined]

    twin = fake_assistant.fork()
    twin.add_documents([OTTERS])

    new = fake_assistant.embedder.encoded[before:]  # type: ignore[attr-defined]
    assert new and not any(text in article for text in new)  # only the otters
    assert len(twin.documents) == 2
    assert len(fake_assistant.documents) == 1
    assert (
        twin.ask("What did Putin say about external forces?").text
        == fake_assistant.ask("What did Putin say about external forces?").text
    )


def test_a_document_of_only_stopwords_can_still_be_asked_about(fake_encoder: TextEncoder) -> None:
    assistant = Assistant.from_texts(["Who are you?"], embedder=fake_encoder)

    assert assistant.ask("Who are you?").sources


# ----- bad questions --------------------------------------------------------------------
@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_an_empty_question_is_a_value_error_saying_so(
    fake_assistant: Assistant, question: str
) -> None:
    with pytest.raises(ValueError, match=r"The question is empty; type a question to ask\."):
        fake_assistant.ask(question)
    with pytest.raises(QuestionError, match="The question is empty"):
        fake_assistant.search(question)


def test_a_question_over_the_limit_is_refused_not_truncated(fake_assistant: Assistant) -> None:
    encoded = calls(fake_assistant)
    question = "Putin " * 400  # 2,400 characters, 2,399 once stripped

    with pytest.raises(
        QuestionError, match=r"The question is 2,399 characters long; the limit is 2,000\."
    ):
        fake_assistant.ask(question)
    assert calls(fake_assistant) == encoded  # refused before anything was encoded


def test_a_question_at_the_limit_is_answered(fake_assistant: Assistant) -> None:
    question = ("What did Putin say? " * 200)[:MAX_QUESTION_CHARS]

    assert fake_assistant.ask(question).sources


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (42, r"The question must be text, got int\."),
        ("Who\x00 said it?", r"The question contains a NUL character"),
        ("Who \ud800 said it?", r"invalid characters \(unpaired surrogates\)"),
        ("?!? ...", r"The question has no words in it, only punctuation or symbols\."),
    ],
)
def test_a_malformed_question_is_refused_saying_why(
    fake_assistant: Assistant, question: object, message: str
) -> None:
    with pytest.raises(QuestionError, match=message):
        fake_assistant.ask(question)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("top_k", "message"),
    [
        (0, r"top_k must be between 1 and 100, got 0\."),
        (-3, r"top_k must be between 1 and 100, got -3\."),
        (101, r"top_k must be between 1 and 100, got 101\."),
        (2.5, r"top_k must be a whole number, got 2\.5\."),
        (True, r"top_k must be a whole number, got True\."),
    ],
)
def test_top_k_outside_one_to_a_hundred_is_refused(
    fake_assistant: Assistant, top_k: object, message: str
) -> None:
    with pytest.raises(QuestionError, match=message):
        fake_assistant.ask("What did Putin say?", top_k=top_k)  # type: ignore[arg-type]


def test_search_k_below_one_is_refused(fake_assistant: Assistant) -> None:
    with pytest.raises(QuestionError, match=r"k must be between 1 and 100, got 0\."):
        fake_assistant.search("Putin", k=0)


def test_question_errors_are_value_errors_and_unknown_ids_are_key_errors() -> None:
    assert issubclass(QuestionError, ValueError)
    assert issubclass(DocumentError, ValueError)
    assert issubclass(UnknownDocumentError, KeyError)


def test_a_question_scoped_to_one_document_cites_only_that_document(
    fake_assistant: Assistant,
) -> None:
    [otters] = fake_assistant.add_documents([OTTERS])

    answer = fake_assistant.ask("What did Putin say?", documents=[otters], top_k=5)

    assert answer.sources
    assert {s.doc_id for s in answer.sources} == {otters}


# ----- the example in the README and issue 2, with the real model ----------------------
@pytest.mark.slow
def test_the_documented_example_answers_with_a_cited_highlighted_quote(
    real_assistant: Assistant,
) -> None:
    answer = real_assistant.ask("What did Putin say about external forces?")

    assert answer.found and 0.5 <= answer.confidence <= 1.0
    assert "external forces’ policy of forcibly implementing their political model" in answer.text
    number = int(answer.text.rsplit("[", 1)[1].rstrip("]"))
    cited = answer.sources[number - 1]
    assert cited.title == HEADLINE
    assert cited.answer in answer.text
    assert real_assistant.documents[0].text[cited.start : cited.end] == cited.text
