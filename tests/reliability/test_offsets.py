"""Issue 6, item 7 (threat D10, test 7 of the research note): offsets are exact.

For any text, in any script, every passage and every highlighted answer must be the
document's own text at the offsets given, or a citation points at the wrong words. The
alphabet below is chosen to break naive offset arithmetic: astral emoji and ZWJ
sequences (two UTF-16 units, several code points), combining marks (NFC changes lengths),
right-to-left scripts and bidi controls, zero-width characters, CRLF and lone CR.
"""

from __future__ import annotations

import reliability_harness as harness
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qa import Answer, Assistant, Document, EmptyDocumentError
from qa.loading import clean_text, load_text
from qa.text import terms

PIECES = [
    "cat", "harbour", "Lantern", "42", "e\u0301", "n\u0303o", "Å", "ﬁnance",
    "👍", "👩\u200d👩\u200d👧", "🇫🇷", "北京", "東京都", "한국어", "שלום", "مرحبا",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u2066",
    " ", "  ", ". ", "? ", "! ", "\n", "\r\n", "\r", "\n\n", "\t", "…", "—", "«", "»",
]  # fmt: skip

texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=120).map("".join)


def _check_answer(document: Document, reply: Answer) -> None:
    """Spans match the document; a found answer is exactly its cited quotes, marked [n]."""
    cited = []
    for source in reply.sources:
        assert document.text[source.start : source.end] == source.text
        if source.answer_start is not None and source.answer_end is not None:
            assert 0 <= source.answer_start < source.answer_end <= len(source.text)
            quote = source.text[source.answer_start : source.answer_end]
            absolute = document.text[
                source.start + source.answer_start : source.start + source.answer_end
            ]
            assert quote == absolute
            cited.append(f"{quote} [{source.number}]")
    if reply.found:
        assert cited, "a found answer cites no span"
        assert len(reply.text) == len(" ".join(cited))
        assert all(piece in reply.text for piece in cited)


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(raw=texts, filler=st.sampled_from(["", "The cat sat. ", "北京很大。"]))
def test_every_passage_and_answer_span_is_the_documents_text_at_its_offsets(
    raw: str, filler: str
) -> None:
    try:
        document = load_text(filler + raw)
    except EmptyDocumentError:
        assume(False)
        return
    assert document.text == clean_text(filler + raw)
    assistant = Assistant(harness.FakeEncoder())
    assistant.add_documents([document])
    entry = assistant.collection.entry(document.id)
    for span in entry.sentences:
        assert 0 <= span.start < span.end <= len(document.text)
    for _, chunk in assistant.collection.chunk_items():
        assert document.text[chunk.start : chunk.end] == chunk.text
    words = [w for w in document.text.split() if any(ch.isalnum() for ch in w)]
    question = " ".join(words[:3]) if words else "what is this"
    if terms(question):
        _check_answer(document, assistant.ask(question, top_k=3))
    for source in assistant.search(question, k=5):
        assert document.text[source.start : source.end] == source.text
