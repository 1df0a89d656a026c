"""Answers, sources and documents as HTML in which every piece of user or document text is inert.

Why a module of its own: the chat shows text we did not write (uploaded documents, questions),
so the one rule that keeps the page safe - escape everything, then add only our own tags - is
kept in one place and tested on hostile input. The chat is rendered with Markdown off, so
escaped text cannot become a Markdown image or link either.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence

from qa import IndexReport, ReportEntry
from qa.types import Answer, Document, Source
from ui.payload import shown_sources

_MARKER = re.compile(r"\[(\d+)\]")


def escape(text: str) -> str:
    """Text made inert in HTML (quotes too, so it is also safe inside attributes)."""
    return html.escape(text, quote=True)


def source_anchor(turn: int, number: int) -> str:
    """The element id of source `number` of reply `turn`; citations link to it."""
    return f"qa-src-{turn}-{number}"


def question_html(question: str) -> str:
    """The user's question as a chat message."""
    return f'<span class="qa-question">{escape(question)}</span>'


def answer_html(answer: Answer, turn: int) -> str:
    """A reply for the chat: the short answer in bold when there is one, then the quoted
    sentence(s) under it with clickable citation markers.

    When the documents do not contain the answer the reply is styled and labelled
    differently, so it cannot be mistaken for a quote.
    """
    numbers = {s.number for s in answer.sources}

    def cite(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number not in numbers:
            return match.group(0)
        anchor = source_anchor(turn, number)
        return (
            f'<a class="qa-cite" href="#{anchor}" data-source="{number}" '
            f'title="Show source {number}">[{number}]</a>'
        )

    body = "".join(
        f'<code class="qa-code">{escape(piece)}</code>'
        if is_code
        else _MARKER.sub(cite, escape(piece))
        for piece, is_code in _segments(answer.text, _quoted_code(answer))
    )
    if not answer.found:
        return (
            '<div class="qa-reply qa-notfound"><strong class="qa-label">Not found in the '
            f'documents.</strong> <span class="qa-text">{body}</span></div>'
        )
    short = ""
    if answer.short is not None:
        short = f'<div class="qa-short"><strong>{escape(answer.short)}</strong></div>'
    return (
        f'<div class="qa-reply qa-found">{short}<span class="qa-text">{body}</span>'
        f'<span class="qa-confidence"> (confidence {answer.confidence:.0%})</span></div>'
    )


def error_html(message: str) -> str:
    """A problem (bad question, failed upload) shown as a chat message."""
    return f'<div class="qa-reply qa-error"><strong>⚠</strong> {escape(message)}</div>'


def notice_html(message: str) -> str:
    """A note from the app itself (what was uploaded or removed)."""
    return f'<div class="qa-reply qa-notice">{escape(message)}</div>'


def _outcome(entry: ReportEntry) -> str:
    if entry.status == "indexed":
        plural = "" if entry.passages == 1 else "s"
        warned = "".join(f"; {w}" for w in entry.warnings)
        return f"indexed, {entry.passages} passage{plural}{warned}"
    return f"{entry.status}: {entry.reason}"


def upload_report_html(report: IndexReport, problems: Sequence[str] = ()) -> str:
    """The upload panel's list: each uploaded file with what became of it (indexed with
    its passage count, skipped and why, failed and the error), then the totals.

    An upload refused as a whole (too many files) has no entries: `problems` says why.
    """
    if not report.entries:
        lines = "".join(f'<li class="qa-report-failed">{escape(p)}</li>' for p in problems)
        return f'<div class="qa-upload-report"><ul>{lines}</ul></div>' if lines else ""
    items = "".join(
        f'<li class="qa-report-{e.status}" title="{escape(e.detail)}">'
        f'<span class="qa-report-name">{escape(e.input)}</span> — {escape(_outcome(e))}</li>'
        for e in report.entries
    )
    counts = report.counts
    summary = (
        f"Upload: {counts['indexed']} indexed, {counts['skipped']} skipped, "
        f"{counts['failed']} failed"
    )
    return (
        f'<div class="qa-upload-report"><p class="qa-report-summary">{summary}</p>'
        f"<ul>{items}</ul></div>"
    )


def passage_html(source: Source) -> str:
    """The passage with the answer span wrapped in <mark>, the short answer inside it in
    <strong class="qa-phrase">, and code blocks in <code>.

    Offsets outside the passage are clamped, and an empty or reversed span marks nothing,
    so a bad span can never drop or repeat text.
    """
    text = source.text
    marked = _clamped_span(source.answer_start, source.answer_end, len(text))
    phrase = _clamped_span(source.short_start, source.short_end, len(text))
    cuts = {0, len(text)}
    if marked:
        cuts.update(marked)
    code = _clamped(source.code, len(text))
    for a, b in code:
        cuts.update((a, b))
    bounds = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(bounds):
        piece = _with_phrase(text, a, b, phrase)
        if marked and marked[0] <= a and b <= marked[1]:
            piece = f"<mark>{piece}</mark>"
        if any(c <= a and b <= d for c, d in code):
            piece = f'<code class="qa-code">{piece}</code>'
        out.append(piece)
    return "".join(out)


def _with_phrase(text: str, a: int, b: int, phrase: tuple[int, int] | None) -> str:
    """text[a:b] escaped, its part inside `phrase` in <strong class="qa-phrase">: cut
    within the piece, so the answer stays one <mark> around the phrase."""
    if phrase is None or phrase[1] <= a or b <= phrase[0]:
        return escape(text[a:b])
    start, end = max(a, phrase[0]), min(b, phrase[1])
    return (
        f'{escape(text[a:start])}<strong class="qa-phrase">{escape(text[start:end])}'
        f"</strong>{escape(text[end:b])}"
    )


def _clamped_span(start: int | None, end: int | None, length: int) -> tuple[int, int] | None:
    """(start, end) clamped into the passage; None when unset, empty or reversed."""
    if start is None or end is None:
        return None
    start = max(0, min(start, length))
    end = max(start, min(end, length))
    return (start, end) if start < end else None


def _clamped(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    clamped = [(max(0, min(a, length)), max(0, min(b, length))) for a, b in spans]
    return [(a, b) for a, b in clamped if a < b]


def _quoted_code(answer: Answer) -> list[tuple[int, int]]:
    """Where code lies in the answer's text: each cited source's code inside its quote."""
    found: list[tuple[int, int]] = []
    if not answer.found:
        return found
    cursor = 0
    for source in answer.sources:
        quote = source.answer
        if not quote or not source.code or source.answer_start is None:
            continue
        at = answer.text.find(quote, cursor)
        if at < 0:
            continue
        for a, b in _clamped(source.code, len(source.text)):
            a, b = max(a, source.answer_start), min(b, source.answer_start + len(quote))
            if a < b:
                found.append((at + a - source.answer_start, at + b - source.answer_start))
        cursor = at + len(quote)
    return sorted(found)


def _segments(text: str, code: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is code) at the code ranges."""
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for a, b in code:
        if a < cursor:
            continue
        if a > cursor:
            pieces.append((text[cursor:a], False))
        pieces.append((text[a:b], True))
        cursor = b
    if cursor < len(text):
        pieces.append((text[cursor:], False))
    return pieces


def _details_html(source: Source) -> str:
    def rank(value: int | None) -> str:
        return "—" if value is None else str(value)

    def score(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    return (
        '<p class="qa-details">'
        f"dense rank {rank(source.dense_rank)} (similarity {score(source.dense_score)}) · "
        f"lexical rank {rank(source.lexical_rank)} (BM25 {score(source.lexical_score)}) · "
        f"fused score {source.score:.4f}</p>"
    )


def source_html(source: Source, turn: int, *, details: bool) -> str:
    """One source: number, document title, score, and the highlighted passage."""
    cited = " qa-cited" if source.answer_start is not None else ""
    return (
        f'<details class="qa-source{cited}" id="{source_anchor(turn, source.number)}" open>'
        f'<summary><span class="qa-num">[{source.number}]</span> '
        f'<span class="qa-title">{escape(source.title)}</span> '
        f"{_path_html(source)}"
        f'<span class="qa-score">score {source.score:.4f}</span></summary>'
        f'<p class="qa-passage">{passage_html(source)}</p>'
        f"{_details_html(source) if details else ''}</details>"
    )


def _path_html(source: Source) -> str:
    """The headings the passage sits under, "Install › Linux", inert like all document text."""
    if not source.path:
        return ""
    return f'<span class="qa-path">{escape(" › ".join(source.path))}</span> '


def sources_html(answer: Answer | None, turn: int, *, details: bool = False) -> str:
    """The sources panel for one reply (or a hint before the first question)."""
    if answer is None:
        return '<div class="qa-sources qa-empty">Sources of the last answer appear here.</div>'
    heading = "Sources" if answer.found else "Nearest passages (they do not answer it)"
    items = "".join(source_html(s, turn, details=details) for s in shown_sources(answer))
    if not items:
        items = '<p class="qa-empty">No passages matched.</p>'
    return (
        f'<div class="qa-sources"><p class="qa-sources-head">{heading} for '
        f"“{escape(answer.question)}”</p>{items}</div>"
    )


def document_label(document: Document) -> str:
    """How a document is named in the list of loaded documents (plain text, not HTML)."""
    return f"{document.title} ({document.length:,} characters)"


def welcome_html(documents: Sequence[Document]) -> str:
    """The opening message: what the assistant is loaded with and what to do."""
    if documents:
        names = ", ".join(f"<em>{escape(d.title)}</em>" for d in documents)
        loaded = f"I am loaded with {len(documents)} document(s): {names}."
    else:
        loaded = "No documents are loaded yet."
    return (
        f'<div class="qa-reply qa-notice">Hello! {loaded} Ask me a question about them, '
        "or upload your own files. I answer with sentences quoted from the documents and "
        "cite them like [1]; click a citation to see its source.</div>"
    )
