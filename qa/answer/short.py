"""The short answer: the exact phrase inside the quoted sentence that answers the question.

Why a separate step: the answer stage quotes whole sentences (about 190 characters on
XQuAD), and the user still has to find "2001" inside one. The reader's span head already
points at the phrase (`Reading.phrase`); this module decides whether to show it and where
it lies in the document. It never invents text: a short answer is a slice of the quoted
sentence, so it cannot cross a sentence boundary, and it is withheld rather than guessed
when the head is unsure, when the question wants an explanation, or when the phrase was
found in text the reader read but the document does not say verbatim (a table row read as
"Heading: Column: cell").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qa.answer.reader import Reading
from qa.types import Span

# Questions answered by a reason or a process, not a phrase ("Why ...", "How does ...").
_EXPLANATION = re.compile(
    r"\bwhy\b|\bhow (do|does|did|can|could|should|would|is|are|was|were|has|have)\b"
    r"|\b(explain|describe)\b|\bwhat (is|was) the reason\b",
    re.IGNORECASE,
)
_EDGE = " \t\n,;:"


@dataclass(frozen=True)
class ShortAnswerConfig:
    """When a short answer is given.

    Attributes:
        threshold: the lowest span-head score (a log-probability, so at most 0) for which
            the phrase is shown; `-math.inf` shows it whenever there is one.
        enabled: False never gives a short answer.
    """

    # Fitted by `python -m benchmarks.fit_short` (2026-12-07) on the even XQuAD articles:
    # the highest score that still gives a phrase on 85% of their right answers (the
    # goal is 80%; the margin is for the held-out odd articles). docs/evaluation.md.
    threshold: float = -1.5071
    enabled: bool = True

    def __post_init__(self) -> None:
        if math.isnan(self.threshold) or self.threshold > 0.0:
            raise ValueError(
                f"threshold must be a log-probability (0 or less, -inf allowed), "
                f"got {self.threshold}."
            )


def asks_for_explanation(question: str) -> bool:
    """True for "why" and "how does/do/did/can ..." questions: no phrase answers them."""
    return bool(_EXPLANATION.search(question))


def phrase_span(text: str, sentence: Span, read: str, phrase: tuple[int, int]) -> Span | None:
    """Where in the document (`text`) the phrase the reader found in `read` lies.

    `read` is the text the reader read for the sentence at `sentence`: the sentence itself,
    the sentence after a lead-in line, or a rewritten table row. The phrase maps back only
    when it is a verbatim slice of the sentence: at its own place when `read` ends with the
    sentence, otherwise when it occurs exactly once in it. Edge spaces and commas,
    semicolons and colons are trimmed (the span head sometimes takes the separator).
    """
    own = text[sentence.start : sentence.end]
    start, end = phrase
    if not 0 <= start < end <= len(read):
        return None
    offset = len(read) - len(own)
    if read.endswith(own) and start >= offset:
        start, end = start - offset, end - offset
    else:
        piece = read[start:end].strip(_EDGE)
        if not piece or own.count(piece) != 1:
            return None
        start = own.index(piece)
        end = start + len(piece)
    while start < end and own[start] in _EDGE:
        start += 1
    while end > start and own[end - 1] in _EDGE:
        end -= 1
    if end > start + 1 and own[end - 1] == "." and not own[end - 2].isupper():
        end -= 1  # the sentence's full stop, not an abbreviation's ("U.S.")
    if start >= end:
        return None
    return Span(sentence.start + start, sentence.start + end)


def short_answer(
    question: str,
    text: str,
    sentence: Span,
    read: str,
    *,
    reading: Reading | None,
    config: ShortAnswerConfig,
) -> Span | None:
    """The short answer's span in the document, or None when none should be shown.

    Args:
        question: as asked; explanation questions get none.
        text: the document's text.
        sentence: the quoted sentence's span in `text` (the best-scored one).
        read: what the reader read for that sentence (qa/answer/reading_text.py).
        reading: the reader's view of it; None when the reader is off.
        config: the threshold.
    """
    if not config.enabled or reading is None or asks_for_explanation(question):
        return None
    if not reading.phrase_score >= config.threshold:
        return None
    return phrase_span(text, sentence, read, reading.phrase)
