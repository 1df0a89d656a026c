"""End to end in headless Chromium (Debian's, no browser download) against the real model.

Set QA_SCREENSHOT=1 to refresh docs/screenshot.png from the desktop-width chat.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from qa import Assistant
from ui.sessions import UploadLimits

pytestmark = [pytest.mark.browser, pytest.mark.slow]


CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "What did Putin say about external forces?"
BEACON = "http://127.0.0.1:9/beacon"
HOSTILE_DOCUMENT = f"""<img src=x onerror="window.__pwned=1">Zanzibar lighthouse log

The zanzibar lighthouse keeper wrote <script>window.__pwned=1</script> every night.
The zanzibar lighthouse lamp <img src="{BEACON}.png" onerror="window.__pwned=1"> was bright.
Read [the zanzibar lighthouse log](javascript:window.__pwned=1) and see ![lamp]({BEACON}-md.png).
<a href="javascript:window.__pwned=1">zanzibar lighthouse link</a>
<svg onload="window.__pwned=1"></svg> <iframe src="{BEACON}-frame"></iframe>
"""
WAIT_MS = 60_000  # an upper bound for slow CI machines, not a timing assertion


@pytest.fixture(scope="module")
def url(
    real_assistant: Assistant, serve_app: Callable[..., AbstractContextManager[str]]
) -> Iterator[str]:
    with serve_app(real_assistant) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install chromium (see .ci/run)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def requests_seen() -> list[str]:
    """Every URL the test's page asked for."""
    return []


@pytest.fixture
def page(browser: Browser, url: str, requests_seen: list[str]) -> Iterator[Page]:
    """A fresh browser session (its own chat and uploads) with requests recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: requests_seen.append(request.url))
    page.goto(url)
    page.locator("#qa-chat").wait_for(timeout=WAIT_MS)
    yield page
    context.close()


def ask(page: Page, question: str) -> None:
    """Type a question, send it, and wait until its reply is in the chat."""
    replies = page.locator("#qa-chat .qa-reply")
    before = replies.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    replies.nth(before).wait_for(timeout=WAIT_MS)


def upload(page: Page, path: Path) -> None:
    page.locator("#qa-upload input[type=file]").set_input_files(str(path))
    page.locator("#qa-chat .qa-notice", has_text="Added").last.wait_for(timeout=WAIT_MS)


def test_example_question_is_answered_with_a_highlighted_source(page: Page, tmp_path: Path) -> None:
    chat = page.locator("#qa-chat")
    assert "Xi and Putin" in chat.locator(".qa-notice").first.inner_text()
    page.get_by_role("button", name=EXAMPLE).click()
    page.locator("#qa-sources-panel mark").first.wait_for(timeout=WAIT_MS)
    reply = chat.locator(".qa-found").last
    assert "external forces" in reply.inner_text()
    assert "external forces" in page.locator("#qa-sources-panel mark").first.inner_text()

    reply.locator("a.qa-cite").first.click()
    page.locator("#qa-sources-panel .qa-flash").wait_for(timeout=WAIT_MS)

    ask(page, "What did Xi say about vaccines?")
    panel = page.locator("#qa-sources-panel .qa-sources-head")
    assert "vaccines" in panel.inner_text()
    chat.locator(".qa-reply", has_text="external forces").locator("a.qa-cite").first.click()
    page.locator("#qa-sources-panel .qa-sources-head", has_text="external forces").wait_for(
        timeout=WAIT_MS
    )
    page.locator("#qa-src-0-1.qa-flash").wait_for(timeout=WAIT_MS)

    page.locator("#qa-sources-panel").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "screenshot.png"
    page.screenshot(path=str(shot))
    if os.environ.get("QA_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")


@pytest.fixture
def garden_notes(tmp_path: Path) -> Path:
    notes = tmp_path / "garden.md"
    notes.write_text(
        "# Garden notes\n\nThe tomatoes ripen in late August. The beans climb the fence.",
        encoding="utf-8",
    )
    return notes


@pytest.mark.parametrize(
    ("document", "title", "question", "quoted"),
    [
        ("garden_notes", "Garden notes", "When do the tomatoes ripen?", "late August"),
        ("docx_file", "Harbour Manual", "Which berth does the Osprey moor at?", "Osprey | 7"),
    ],
    ids=["markdown", "word-table"],
)
def test_an_uploaded_file_can_be_asked_about(
    page: Page, request: pytest.FixtureRequest, document: str, title: str, question: str,
    quoted: str,
) -> None:  # fmt: skip
    upload(page, request.getfixturevalue(document))
    assert title in page.locator("#qa-documents").inner_text()
    ask(page, question)
    reply = page.locator("#qa-chat .qa-reply").last
    assert quoted in reply.inner_text()
    assert title in page.locator("#qa-sources-panel").inner_text()


def test_a_hostile_document_runs_and_fetches_nothing(
    page: Page, tmp_path: Path, requests_seen: list[str]
) -> None:
    # Markdown is read as a browser shows it (scripts and tags are not its text); plain
    # text keeps every character, so its markup must reach the page as inert text.
    for name in ("hostile.md", "hostile.txt"):
        hostile = tmp_path / name
        hostile.write_text(HOSTILE_DOCUMENT, encoding="utf-8")
        upload(page, hostile)
    ask(
        page,
        '<img src=x onerror="window.__pwned=1"> What did the zanzibar lighthouse keeper write?',
    )
    page.locator("#qa-sources-panel mark").first.wait_for(timeout=WAIT_MS)
    page.locator("#qa-chat a.qa-cite").last.click()

    panel = page.locator("#qa-sources-panel").inner_text()
    assert "<script>window.__pwned=1</script>" in panel, "shown as text, not run"
    assert "<img src=x" in page.locator("#qa-documents").inner_text()
    assert page.evaluate("window.__pwned") is None
    # A hostile file name reaches the warning toast (which Gradio renders as HTML).
    named = tmp_path / '<img src=x onerror="window.__pwned=1">.md'
    named.write_text("   ", encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(named))
    warning = page.get_by_test_id("toast-text").filter(has_text="is empty")
    warning.wait_for(timeout=WAIT_MS)
    assert "it has no text to index" in warning.inner_text()

    assert page.evaluate("window.__pwned") is None
    assert any(u.startswith("http://127.0.0.1") for u in requests_seen), "listener is live"
    fetched = [u for u in requests_seen if "beacon" in u or u.rstrip("/").endswith("/x")]
    assert fetched == []
    planted = "script, iframe, img[onerror], svg[onload], a[href^='javascript']"
    for selector in ("#qa-chat", "#qa-sources-panel", "#qa-documents", ".toast-body"):
        assert page.locator(selector).locator(planted).count() == 0


def test_an_unanswerable_question_gets_a_different_reply(page: Page) -> None:
    ask(page, "What is the recipe for banana bread?")
    reply = page.locator("#qa-chat .qa-reply").last
    assert "qa-notfound" in (reply.get_attribute("class") or "")
    assert "Not found in the documents" in reply.inner_text()


def test_the_chat_fits_a_phone(browser: Browser, url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_role("button", name=EXAMPLE).click()
        page.locator("#qa-sources-panel mark").first.wait_for(timeout=WAIT_MS)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px wide)"
        assert page.locator("#qa-chat .qa-found").last.is_visible()
    finally:
        context.close()


def test_upload_limits_are_explained(
    browser: Browser,
    module_assistant: Assistant,
    serve_app: Callable[..., AbstractContextManager[str]],
    tmp_path: Path,
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000, encoding="utf-8")
    tool = tmp_path / "tool.exe"
    tool.write_bytes(b"MZ")
    notes = [tmp_path / f"note{i}.txt" for i in range(3)]
    for note in notes:
        note.write_text("A short note.", encoding="utf-8")
    limits = UploadLimits(max_file_bytes=1024, max_files_per_upload=2)
    with serve_app(module_assistant, limits) as address:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            page.goto(address)
            upload_box = page.locator("#qa-upload input[type=file]")
            toasts = page.locator(".toast-body")
            upload_box.set_input_files(str(big))
            toasts.filter(has_text="exceed the maximum allowed size").wait_for(timeout=WAIT_MS)
            upload_box.set_input_files(str(tool))
            toasts.filter(has_text="Invalid file type: tool.exe").wait_for(timeout=WAIT_MS)
            upload_box.set_input_files([str(n) for n in notes])
            toasts.filter(has_text="upload at most 2 at a time").wait_for(timeout=WAIT_MS)
            refusal = page.locator("#qa-chat .qa-error").last.inner_text()
            assert "Upload refused: You chose 3 files; upload at most 2 at a time." in refusal
            assert "note0" not in page.locator("#qa-documents").inner_text()
        finally:
            context.close()


def test_the_reader_can_be_switched_off_for_this_session(page: Page) -> None:
    page.get_by_text("Settings").click()
    switch = page.locator("#qa-reader input[type=checkbox]")
    switch.wait_for(timeout=WAIT_MS)
    assert switch.is_checked(), "the app's assistant runs the reader by default"
    switch.uncheck()
    ask(page, "What did Putin say about external forces?")
    reply = page.locator("#qa-chat .qa-found").last
    assert "external forces" in reply.inner_text(), "still answered, by the sentence model"


LISTING_PAGE = """<!doctype html><html><head><title>Greeter guide</title></head><body>
<main><h1>Greeter guide</h1>
<p>To print the zanzibar greeting, the program
calls <code>println!</code> once:</p>
<figure><figcaption>Listing 1: printing the zanzibar greeting</figcaption>
<pre><code>fn main() {
    println!("&lt;b&gt;zanzibar&lt;/b&gt; greeting");
}</code></pre></figure>
<p>Run it with cargo run.</p>
</main></body></html>
"""


def test_an_uploaded_html_listing_is_shown_as_inert_code(page: Page, tmp_path: Path) -> None:
    guide = tmp_path / "greeter.html"
    guide.write_text(LISTING_PAGE, encoding="utf-8")
    upload(page, guide)
    ask(page, "How does the program print the zanzibar greeting?")
    page.locator("#qa-chat a.qa-cite").last.click()

    code = page.locator("#qa-sources-panel code.qa-code").first
    code.wait_for(timeout=WAIT_MS)
    assert 'println!("<b>zanzibar</b> greeting");' in code.inner_text(), "markup shown as text"
    assert code.locator("b").count() == 0, "the listing's markup is not rendered"
    assert "fn main() {\n" in code.inner_text(), "the listing keeps its lines"


def test_an_upload_lists_each_files_outcome_a_duplicate_and_a_broken_file_too(
    page: Page, tmp_path: Path
) -> None:
    garden = tmp_path / "garden.md"
    garden.write_text("# Garden notes\n\nThe beans climb the fence in June.", encoding="utf-8")
    copy = tmp_path / "garden-copy.md"
    copy.write_text(garden.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 cut off in the middle")

    page.locator("#qa-upload input[type=file]").set_input_files(
        [str(garden), str(copy), str(broken)]
    )

    panel = page.locator("#qa-upload-report")
    panel.locator("li.qa-report-failed").wait_for(timeout=WAIT_MS)
    assert panel.is_visible()
    indexed, duplicate, failed = panel.locator("li").all_inner_texts()
    assert indexed.startswith("garden.md — indexed, ") and "passage" in indexed
    assert duplicate == "garden-copy.md — skipped: duplicate of garden.md"
    assert failed.startswith("broken.pdf — failed: broken.pdf is not a readable PDF")
    assert "1 indexed, 1 skipped, 1 failed" in panel.locator(".qa-report-summary").inner_text()
    assert page.locator("#qa-documents").inner_text().count("Garden notes") == 1


def test_the_short_answer_is_bold_above_the_quote_and_highlighted_in_the_source(
    page: Page, tmp_path: Path
) -> None:
    notes = tmp_path / "lighthouse.md"
    notes.write_text(
        "# Lighthouse notes\n\nThe lighthouse was first lit in 1871. Its lamp burns paraffin.",
        encoding="utf-8",
    )
    upload(page, notes)
    ask(page, "In what year was the lighthouse first lit?")
    reply = page.locator("#qa-chat .qa-reply").last
    short = reply.locator(".qa-short strong")
    assert short.inner_text() == "1871"
    quote = reply.locator(".qa-text")
    assert "first lit in 1871" in quote.inner_text()
    assert short.bounding_box()["y"] < quote.bounding_box()["y"]  # type: ignore[index]
    assert short.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
    phrase = page.locator("#qa-sources-panel mark .qa-phrase")
    phrase.first.wait_for(timeout=WAIT_MS)
    assert phrase.first.inner_text() == "1871"
