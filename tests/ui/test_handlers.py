"""Event handlers, called as Gradio calls them but without a browser."""

from __future__ import annotations

import warnings
from pathlib import Path

import gradio as gr
import pytest

from qa import Assistant
from qa.loading import bundled_article_path
from ui.handlers import ALL_DOCUMENTS, CHECKED_ONLY, EXAMPLE_QUESTIONS, Handlers
from ui.sessions import Message, Session, UploadLimits

QUESTION = EXAMPLE_QUESTIONS[0]


@pytest.fixture
def handlers(fake_assistant: Assistant, tmp_path: Path) -> Handlers:
    return Handlers(fake_assistant, UploadLimits(max_files_per_upload=2), upload_root=tmp_path)


def text(message: Message) -> str:
    """A chat message's HTML (the UI only ever sends text content)."""
    content = message["content"]
    assert isinstance(content, str)
    return content


def toasts(call: object) -> list[str]:
    """Outside a request Gradio reports gr.Warning through `warnings`; collect them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert callable(call)
        call()
    return [str(w.message) for w in caught]


def test_the_first_event_creates_the_session(handlers: Handlers) -> None:
    box, chat, session, sources = handlers.respond(QUESTION, None, 3, False, ALL_DOCUMENTS, [])
    assert box == "" and isinstance(session, Session)
    assert len(chat) == 3 and 'class="qa-cite"' in text(chat[-1])
    assert "<mark>" in sources and "qa-src-0-1" in sources


def test_the_session_is_reused(handlers: Handlers) -> None:
    _, _, session, _ = handlers.respond(QUESTION, None, 3, False, ALL_DOCUMENTS, [])
    _, chat, again, _ = handlers.respond("Who spoke?", session, 3, False, ALL_DOCUMENTS, [])
    assert again is session and len(chat) == 5


def test_number_of_sources_and_details_are_applied(handlers: Handlers) -> None:
    _, _, session, sources = handlers.respond(QUESTION, None, 1.0, True, ALL_DOCUMENTS, [])
    assert len(session.answers[0].sources) == 1
    assert "dense rank" in sources
    assert "dense rank" not in handlers.show_details(session, False)


def test_an_empty_question_warns_and_keeps_the_box(handlers: Handlers) -> None:
    result: list[object] = []
    messages = toasts(
        lambda: result.extend(handlers.respond("  ", None, 3, False, ALL_DOCUMENTS, []))
    )
    assert messages == ["The question is empty; type a question to ask."]
    assert result[0] == "  " and len(result[1]) == 1  # type: ignore[arg-type]


def test_asking_only_checked_documents_needs_a_check(handlers: Handlers) -> None:
    messages = toasts(lambda: handlers.respond(QUESTION, None, 3, False, CHECKED_ONLY, []))
    expected = "No loaded document is checked: check some documents, or ask all of them."
    assert messages == [expected]
    stale = toasts(lambda: handlers.respond(QUESTION, None, 3, False, CHECKED_ONLY, ["gone"]))
    assert stale == [expected]


def test_selecting_an_old_reply_shows_its_sources(handlers: Handlers) -> None:
    _, _, session, _ = handlers.respond(QUESTION, None, 3, False, ALL_DOCUMENTS, [])
    handlers.respond("vaccine supply chain", session, 3, False, ALL_DOCUMENTS, [])
    assert session.shown == 1
    event = gr.SelectData(None, {"index": 2, "value": "", "selected": True})
    _, sources = handlers.select(session, False, event)
    assert session.shown == 0 and "qa-src-0-1" in sources
    question = gr.SelectData(None, {"index": 3, "value": "", "selected": True})
    handlers.select(session, False, question)
    assert session.shown == 0, "clicking a question keeps the panel"


def test_upload_and_remove(handlers: Handlers, tmp_path: Path) -> None:
    path = tmp_path / "garden.md"
    path.write_text("# Garden notes\n\nThe tomatoes ripen in August.", encoding="utf-8")
    cleared, session, documents, chat, report = handlers.upload([str(path)], None, [])
    assert cleared is None and len(session.documents) == 2
    assert "garden.md</span> — indexed, 1 passage" in report
    assert [label for label, _ in documents.choices][1] == "Garden notes (43 characters)"
    assert "Added “Garden notes”" in text(chat[-1])
    doc_id = session.documents[1].id
    _, _, session, _ = handlers.respond(
        "When do tomatoes ripen?", session, 3, False, CHECKED_ONLY, [doc_id]
    )
    assert "August" in session.answers[-1].text
    session, documents, chat = handlers.remove(session, [doc_id])
    assert len(session.documents) == 1 and documents.value == []
    assert "Removed “Garden notes”" in text(chat[-1])


def test_a_word_document_uploads_and_answers(handlers: Handlers, docx_file: Path) -> None:
    _, session, documents, _chat, report = handlers.upload([str(docx_file)], None, [])

    assert "manual.docx</span> — indexed" in report
    assert [label for label, _ in documents.choices][1].startswith("Harbour Manual (")
    doc_id = session.documents[1].id
    _, _, session, _ = handlers.respond(
        "Which berth does the Osprey use?", session, 3, False, CHECKED_ONLY, [doc_id]
    )
    assert session.answers[-1].sources[0].doc_id == doc_id


def test_the_upload_panel_lists_a_duplicate_and_a_broken_file(
    handlers: Handlers, tmp_path: Path
) -> None:
    copy = tmp_path / "article.txt"
    copy.write_text(bundled_article_path().read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 cut off")

    outputs = []
    messages = toasts(lambda: outputs.append(handlers.upload([str(copy), str(broken)], None, [])))
    [(_, session, _, chat, report)] = outputs

    name = bundled_article_path().name
    assert f"article.txt</span> — skipped: duplicate of {name} (already indexed)" in report
    assert "broken.pdf</span> — failed: broken.pdf is not a readable PDF" in report
    assert "Upload: 0 indexed, 1 skipped, 1 failed" in report
    assert messages[0] == f"article.txt: duplicate of {name} (already indexed)"
    assert messages[1].startswith("broken.pdf is not a readable PDF")
    assert len(session.documents) == 1
    assert "Upload refused: broken.pdf is not a readable PDF" in text(chat[-1])


def test_refused_uploads_warn_with_escaped_names(handlers: Handlers, tmp_path: Path) -> None:
    files = []
    for i in range(3):
        path = tmp_path / f"<b>{i}.txt"
        path.write_text("text", encoding="utf-8")
        files.append(str(path))
    messages = toasts(lambda: handlers.upload(files, None, []))
    assert messages == ["You chose 3 files; upload at most 2 at a time."]
    bad = tmp_path / "<img src=x>.exe"
    bad.write_text("MZ", encoding="utf-8")
    (message,) = toasts(lambda: handlers.upload([str(bad)], None, []))
    assert message.startswith("&lt;img src=x&gt;.exe: files of type .exe cannot be read")


def test_files_outside_the_upload_folder_are_refused_unread(
    fake_assistant: Assistant, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 1234.", encoding="utf-8")
    strict = Handlers(fake_assistant, upload_root=uploads)
    for forged in (str(secret), f"{uploads}/../secret.txt"):
        with pytest.raises(gr.Error, match="did not come from this page's upload"):
            strict.upload([forged], None, [])
    assert all("vault" not in d.text for d in fake_assistant.documents)


def test_clear_keeps_only_the_welcome(handlers: Handlers) -> None:
    _, _, session, _ = handlers.respond(QUESTION, None, 3, False, ALL_DOCUMENTS, [])
    chat, session, sources = handlers.clear(session, False)
    assert len(chat) == 1 and "Hello!" in text(chat[0])
    assert "appear here" in sources


def test_the_api_answers_with_json(handlers: Handlers) -> None:
    payload = handlers.api_ask(QUESTION)
    assert payload["found"] is True and payload["sources"][0]["answer"]
    with pytest.raises(gr.Error, match="The question is empty"):
        handlers.api_ask("")
