"""Sessions: private uploads on a fork, upload limits, scope, history, clearing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from embeddings import TextEncoder
from qa import Assistant
from qa.answer.reader import Reading
from qa.errors import QuestionError
from ui.sessions import Session, UploadLimits, human_size

QUESTION = "What did Putin say about external forces?"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def garden(tmp_path: Path) -> Path:
    return write(tmp_path, "garden.txt", "Garden notes\n\nThe tomatoes ripen in August.")


def test_asking_uses_the_shared_assistant_without_copying_it(fake_assistant: Assistant) -> None:
    session = Session(fake_assistant)
    reply = session.ask(QUESTION)
    assert reply.found and "[1]" in reply.text
    assert not session.forked
    assert [m["role"] for m in session.messages] == ["assistant", "user", "assistant"]
    assert session.shown == 0 and session.turn_of_message(2) == 0
    assert session.turn_of_message(1) is None and session.turn_of_message(0) is None
    assert len(session.chat.history) == 1


def test_uploads_go_to_a_private_fork(fake_assistant: Assistant, garden: Path) -> None:
    session, other = Session(fake_assistant), Session(fake_assistant)
    report = session.add_files([garden])
    assert [d.title for d in report.added] == ["Garden notes"] and report.problems == []
    assert session.forked and len(session.documents) == 2
    assert len(fake_assistant.documents) == 1, "the shared assistant must not change"
    assert len(other.documents) == 1
    reply = session.ask("When do the tomatoes ripen?")
    assert "August" in reply.text


def test_history_survives_the_fork(fake_assistant: Assistant, garden: Path) -> None:
    session = Session(fake_assistant)
    session.ask(QUESTION)
    session.add_files([garden])
    session.ask("When do the tomatoes ripen?")
    assert len(session.chat.history) == 2
    assert session.chat.assistant is session.assistant is not fake_assistant


def test_asking_again_after_an_upload_uses_the_new_document(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    session = Session(fake_assistant)
    question = "Who cooks the lighthouse stew?"
    assert not session.ask(question).found
    stew = write(tmp_path, "stew.txt", "Stew\n\nThe keeper cooks the lighthouse stew.")
    session.add_files([stew])
    again = session.ask(question)
    assert again.found and "keeper cooks" in again.text


def test_asking_again_after_a_removal_does_not_quote_it(
    fake_assistant: Assistant, garden: Path
) -> None:
    session = Session(fake_assistant)
    (added,) = session.add_files([garden]).added
    question = "When do the tomatoes ripen?"
    assert "August" in session.ask(question).text
    session.remove([added.id])
    again = session.ask(question)
    assert all(s.doc_id != added.id for s in again.sources)
    assert "August" not in again.text


def test_progress_is_reported_while_indexing(fake_assistant: Assistant, garden: Path) -> None:
    seen: list[tuple[float, str]] = []
    Session(fake_assistant).add_files([garden], progress=lambda f, d: seen.append((f, d)))
    assert seen and seen[-1][0] == pytest.approx(1.0)
    assert all("garden.txt" in d for _, d in seen)


def test_removing_a_document_keeps_the_shared_one(fake_assistant: Assistant) -> None:
    session = Session(fake_assistant)
    doc_id = fake_assistant.documents[0].id
    removed = session.remove([doc_id, "no-such-id"])
    assert [d.id for d in removed] == [doc_id]
    assert session.documents == [] and len(fake_assistant.documents) == 1
    assert session.remove([doc_id]) == []


def test_scope_limits_the_search_and_ignores_removed_ids(
    fake_assistant: Assistant, garden: Path
) -> None:
    session = Session(fake_assistant)
    (added,) = session.add_files([garden]).added
    reply = session.ask(QUESTION, documents=[added.id, "gone"])
    assert {s.doc_id for s in reply.sources} == {added.id}


def test_a_bad_question_records_nothing(fake_assistant: Assistant) -> None:
    session = Session(fake_assistant)
    with pytest.raises(QuestionError, match="empty"):
        session.ask("   ")
    assert len(session.messages) == 1 and session.answers == []


def test_clear_forgets_the_chat_but_keeps_documents(
    fake_assistant: Assistant, garden: Path
) -> None:
    session = Session(fake_assistant)
    session.add_files([garden])
    session.ask(QUESTION)
    session.clear()
    assert len(session.messages) == 1 and session.answers == [] and session.shown is None
    assert session.chat.history == [] and len(session.documents) == 2
    assert "2 document(s)" in session.messages[0]["content"]  # type: ignore[operator]


def test_too_many_files_at_once_are_refused(fake_assistant: Assistant, tmp_path: Path) -> None:
    files = [write(tmp_path, f"n{i}.txt", f"Note {i} about cats.") for i in range(3)]
    session = Session(fake_assistant, UploadLimits(max_files_per_upload=2))
    report = session.add_files(files)
    assert report.added == []
    assert report.problems == ["You chose 3 files; upload at most 2 at a time."]
    assert not session.forked


def test_a_full_session_is_refused(fake_assistant: Assistant, garden: Path) -> None:
    session = Session(fake_assistant, UploadLimits(max_documents=1))
    (problem,) = session.add_files([garden]).problems
    assert "holds 1 of at most 1 documents; remove some" in problem


def test_large_and_unsupported_files_are_refused_by_name(
    fake_assistant: Assistant, tmp_path: Path, garden: Path
) -> None:
    big = write(tmp_path, "big.txt", "word " * 400)
    exe = write(tmp_path, "tool.exe", "MZ")
    session = Session(fake_assistant, UploadLimits(max_file_bytes=1024))
    report = session.add_files([big, exe, garden], names=["big.txt", "tool.exe", "garden.txt"])
    assert [d.title for d in report.added] == ["Garden notes"], "good files still go in"
    assert report.problems[0] == (
        "big.txt is 2 KB; the limit is 1 KB per file. Split it or upload a shorter version."
    )
    assert report.problems[1].startswith("tool.exe: files of type .exe cannot be read; upload")


def test_an_empty_file_is_refused_with_the_loaders_message(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    empty = write(tmp_path, "empty.md", "   \n")
    (problem,) = Session(fake_assistant).add_files([empty]).problems
    assert "empty.md" in problem and "empty" in problem


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KB"), (1536, "1.5 KB"), (10 << 20, "10 MB")],
)
def test_sizes_read_naturally(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize("name", ["max_file_bytes", "max_files_per_upload", "max_documents"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_limits_must_be_positive_whole_numbers(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"UploadLimits.{name} must be a positive whole number"):
        UploadLimits(**{name: value})  # type: ignore[arg-type]


class CountingReader:
    """A reader that says every sentence answers; counts the batches it reads."""

    def __init__(self) -> None:
        self.batches = 0

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        self.batches += 1
        return [Reading(8.0, (0, len(s)), 0.0) for s in sentences]


def test_the_reader_switch_changes_only_this_session_and_copies_nothing(
    fake_encoder: TextEncoder, garden: Path
) -> None:
    reader = CountingReader()
    shared = Assistant.default(embedder=fake_encoder, reader=reader)
    session, other = Session(shared), Session(shared)
    assert session.reader_available and session.reader_on

    session.use_reader(False)
    session.ask(QUESTION)
    assert reader.batches == 0 and not session.reader_on
    assert not session.forked, "switching is a query-time setting: nothing copied"
    other.ask(QUESTION)
    assert reader.batches == 1 and other.reader_on, "the other session keeps its reader"

    session.add_files([garden])  # the fork keeps this session's switch
    assert session.forked and not session.reader_on
    assert len(shared.documents) == 1
    session.use_reader(True)
    session.ask("When do the tomatoes ripen?")
    assert reader.batches == 2


def test_without_a_reader_the_switch_has_nothing_to_turn_on(fake_assistant: Assistant) -> None:
    session = Session(fake_assistant)
    assert not session.reader_available and not session.reader_on
    session.use_reader(True)
    assert not session.reader_on


def test_each_uploaded_file_is_reported_once_in_order(
    fake_assistant: Assistant, tmp_path: Path, garden: Path
) -> None:
    copy = write(tmp_path, "garden-copy.txt", garden.read_text(encoding="utf-8"))
    exe = write(tmp_path, "tool.exe", "MZ")
    session = Session(fake_assistant)

    report = session.add_files([garden, copy, exe]).report

    assert [(e.input, e.status, e.reason) for e in report.entries] == [
        ("garden.txt", "indexed", ""),
        ("garden-copy.txt", "skipped", "duplicate of garden.txt"),
        ("tool.exe", "skipped", "unsupported format .exe"),
    ]
    assert report.entries[0].passages > 0
    again = session.add_files([copy])
    assert again.added == []
    assert again.problems == ["garden-copy.txt: duplicate of garden.txt (already indexed)"]
