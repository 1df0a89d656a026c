"""HTML rendering: hostile text stays inert, highlights land exactly on the answer span."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from qa import IndexReport, ReportEntry
from qa.types import Answer, Document, Source
from ui import render

HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">link</a>',
    "[click](javascript:window.__pwned=1)",
    "![beacon](http://127.0.0.1:9/beacon.png)",
    "\"'><svg onload=alert(1)>",
]
OUR_TAGS = {"a", "details", "div", "em", "li", "mark", "p", "span", "strong", "summary", "ul"}
OUR_ATTRIBUTES = {"class", "data-source", "href", "id", "open", "title"}


class TagCollector(HTMLParser):
    """Every tag and attribute a browser would see in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_only_our_markup(html: str) -> None:
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in OUR_TAGS, f"foreign tag <{tag}> in {html}"
        for name, value in attrs:
            assert name in OUR_ATTRIBUTES, f"foreign attribute {name}= in {html}"
            if name == "href":
                assert (value or "").startswith("#qa-src-"), f"foreign link {value} in {html}"


def source(text: str = "Alpha beta gamma.", **overrides: object) -> Source:
    fields: dict[str, object] = {
        "number": 1,
        "doc_id": "d1",
        "title": "Doc",
        "text": text,
        "start": 10,
        "end": 10 + len(text),
        "score": 0.0328,
    }
    fields.update(overrides)
    return Source(**fields)  # type: ignore[arg-type]


def answer(text: str, sources: list[Source], *, found: bool = True) -> Answer:
    return Answer(question="q?", text=text, found=found, confidence=0.8, sources=sources)


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_renderer_escapes_hostile_text(payload: str) -> None:
    hostile_source = source(
        f"Before {payload} after.", title=payload, answer_start=0, answer_end=len(payload)
    )
    reply = Answer(payload, f"{payload} [1]", True, 0.5, [hostile_source])
    pieces = [
        render.question_html(payload),
        render.answer_html(reply, 0),
        render.answer_html(Answer(payload, payload, False, 0.1, [hostile_source]), 0),
        render.sources_html(reply, 0, details=True),
        render.error_html(payload),
        render.notice_html(payload),
        render.welcome_html([Document(id="x", title=payload, text="t")]),
        render.upload_report_html(
            IndexReport(
                (
                    ReportEntry(payload, "indexed", passages=2, warnings=(payload,)),
                    ReportEntry(payload, "failed", payload, detail=payload),
                )
            )
        ),
        render.upload_report_html(IndexReport(()), [payload]),
    ]
    for html in pieces:
        assert_only_our_markup(html)


def test_escaped_text_reads_back_as_the_original() -> None:
    html = render.question_html('<b>"Fish" & chips</b>')
    assert "&lt;b&gt;&quot;Fish&quot; &amp; chips&lt;/b&gt;" in html


def test_the_answer_span_is_marked_exactly() -> None:
    text = "Xi spoke first. Putin said external forces failed. Then they hung up."
    start = text.index("Putin")
    end = text.index("failed.") + len("failed.")
    html = render.passage_html(source(text, answer_start=start, answer_end=end))
    assert html == (
        "Xi spoke first. <mark>Putin said external forces failed.</mark> Then they hung up."
    )


def test_a_marked_span_is_escaped_inside_the_mark() -> None:
    text = "a <b> c"
    html = render.passage_html(source(text, answer_start=2, answer_end=5))
    assert html == "a <mark>&lt;b&gt;</mark> c"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, "abcdef"),
        (2, 2, "abcdef"),  # empty span: nothing marked
        (4, 2, "abcdef"),  # reversed span: nothing marked
        (-3, 2, "<mark>ab</mark>cdef"),  # clamped at the start
        (4, 99, "abcd<mark>ef</mark>"),  # clamped at the end
    ],
)
def test_bad_offsets_never_drop_or_repeat_text(
    start: int | None, end: int | None, expected: str
) -> None:
    assert render.passage_html(source("abcdef", answer_start=start, answer_end=end)) == expected


def test_citation_markers_link_to_their_sources() -> None:
    reply = answer("It failed. [1] It rained. [2]", [source(), source(number=2)])
    html = render.answer_html(reply, 4)
    assert '<a class="qa-cite" href="#qa-src-4-1"' in html
    assert '<a class="qa-cite" href="#qa-src-4-2"' in html
    sources = render.sources_html(reply, 4)
    assert 'id="qa-src-4-1"' in sources and 'id="qa-src-4-2"' in sources


def test_a_marker_with_no_source_stays_plain_text() -> None:
    html = render.answer_html(answer("See [7].", [source()]), 0)
    assert "[7]" in html and "qa-cite" not in html


def test_a_reply_without_an_answer_looks_different() -> None:
    found = render.answer_html(answer("Yes. [1]", [source()]), 0)
    missing = render.answer_html(answer("The documents do not say.", [source()], found=False), 0)
    assert "qa-found" in found and "qa-notfound" not in found
    assert "qa-notfound" in missing and "Not found in the documents" in missing
    nearest = render.sources_html(answer("No.", [source()], found=False), 0)
    assert "Nearest passages" in nearest


def test_sources_show_number_title_score_and_details_on_request() -> None:
    item = source(title="Phone call", dense_rank=2, lexical_rank=1, dense_score=0.61)
    reply = answer("x [1]", [item])
    plain = render.sources_html(reply, 0)
    assert "[1]" in plain and "Phone call" in plain and "score 0.0328" in plain
    assert "dense rank" not in plain
    detailed = render.sources_html(reply, 0, details=True)
    assert "dense rank 2 (similarity 0.610)" in detailed
    assert "lexical rank 1 (BM25 —)" in detailed
    assert "fused score 0.0328" in detailed


def test_welcome_says_what_is_loaded() -> None:
    html = render.welcome_html([Document(id="a", title="Xi and Putin", text="t")])
    assert "1 document(s)" in html and "Xi and Putin" in html
    assert "No documents" in render.welcome_html([])


def test_document_labels_are_plain_text_with_the_size() -> None:
    label = render.document_label(Document(id="a", title="<b>T</b>", text="x" * 1234))
    assert label == "<b>T</b> (1,234 characters)"


@pytest.mark.parametrize("payload", [p for p in HOSTILE if "<" in p])
def test_the_markup_check_catches_unescaped_payloads(payload: str) -> None:
    with pytest.raises(AssertionError):
        assert_only_our_markup(f"<span>{payload}</span>")


def test_code_in_a_passage_and_in_a_quote_renders_as_inert_code() -> None:
    text = "Run this:\n\n<script>alert(1)</script> --port 9"
    source = Source(
        number=1,
        doc_id="d",
        title="t",
        text=text,
        start=0,
        end=len(text),
        score=1.0,
        answer_start=0,
        answer_end=len(text),
        code=((11, len(text)),),
    )
    answer = Answer("How?", f"{text} [1]", True, 0.9, [source])

    passage = render.passage_html(source)
    reply = render.answer_html(answer, 0)

    code = r'<code class="qa-code">(<mark>)?&lt;script&gt;alert\(1\)&lt;/script&gt; --port 9'
    for html in (passage, reply):
        assert re.search(code, html)
        assert "<script>" not in html
    assert 'class="qa-cite"' in reply and "Run this:" in reply


def test_the_upload_report_lists_each_file_with_its_outcome() -> None:
    report = IndexReport(
        (
            ReportEntry("garden.md", "indexed", passages=3, doc_id="d1"),
            ReportEntry("copy.md", "skipped", "duplicate of garden.md", doc_id="d1"),
            ReportEntry("tiny.txt", "indexed", passages=1, warnings=("very little text",)),
            ReportEntry("broken.pdf", "failed", "broken.pdf is not a readable PDF"),
        )
    )

    html = render.upload_report_html(report)

    items = re.findall(r'<li class="qa-report-(\w+)"[^>]*>(.*?)</li>', html)
    assert [(status, re.sub("<[^>]+>", "", text)) for status, text in items] == [
        ("indexed", "garden.md — indexed, 3 passages"),
        ("skipped", "copy.md — skipped: duplicate of garden.md"),
        ("indexed", "tiny.txt — indexed, 1 passage; very little text"),
        ("failed", "broken.pdf — failed: broken.pdf is not a readable PDF"),
    ]
    assert "Upload: 2 indexed, 1 skipped, 1 failed" in html


def test_an_upload_refused_as_a_whole_shows_why_and_nothing_shows_nothing() -> None:
    html = render.upload_report_html(IndexReport(()), ["You chose 3 files; upload at most 2."])
    assert "You chose 3 files; upload at most 2." in html
    assert render.upload_report_html(IndexReport(())) == ""


# ----- short answers (issue 15) ------------------------------------------------------------
def short_reply(text: str, phrase: str, *, short: str | None = "") -> Answer:
    """A reply quoting `text` whole, its short answer `phrase` (or `short` when given)."""
    start, end = text.index(phrase), text.index(phrase) + len(phrase)
    cited = source(text, answer_start=0, answer_end=len(text), short_start=start, short_end=end)
    return Answer("q?", f"{text} [1]", True, 0.8, [cited], short=phrase if short == "" else short)


def test_the_short_answer_comes_first_in_bold_with_the_quote_under_it() -> None:
    html = render.answer_html(short_reply("It opened in 1998.", "1998"), 0)
    assert html.index('<div class="qa-short"><strong>1998</strong></div>') < html.index(
        '<span class="qa-text">It opened in 1998.'
    )


def test_the_phrase_is_highlighted_inside_the_marked_sentence() -> None:
    reply = short_reply("It opened in 1998.", "1998")
    html = render.passage_html(reply.sources[0])
    assert html == '<mark>It opened in <strong class="qa-phrase">1998</strong>.</mark>'


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_hostile_short_answer_stays_inert(payload: str) -> None:
    reply = short_reply(f"Before {payload} after.", payload)
    for html in (render.answer_html(reply, 0), render.sources_html(reply, 0)):
        assert_only_our_markup(html)
        assert render.escape(payload) in html


def test_sources_of_an_answer_without_a_short_answer_highlight_no_phrase() -> None:
    reply = short_reply("It opened in 1998.", "1998", short=None)
    assert "qa-phrase" not in render.sources_html(reply, 0)
    assert "qa-short" not in render.answer_html(reply, 0)


def test_a_phrase_across_a_code_cut_stays_inside_one_piece_each() -> None:
    text = "Run qa ask now."
    cited = source(
        text, answer_start=0, answer_end=len(text), short_start=4, short_end=10, code=((4, 6),)
    )
    html = render.passage_html(cited)
    assert html == (
        '<mark>Run </mark><code class="qa-code"><mark><strong class="qa-phrase">qa</strong>'
        '</mark></code><mark><strong class="qa-phrase"> ask</strong> now.</mark>'
    )
