"""Whether a reply holds a gold answer: SQuAD normalisation and containment.

A passage or an answer counts when it contains a gold answer after normalisation, so the
labels survive any change of chunking. Used by the question-set run, the conversation
run and the benchmarks, so "correct" means the same in each.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CITATION = re.compile(r"\s*\[\d+\]")
_PUNCTUATION = set(string.punctuation) | set("‘’“”—–…«»")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation (lower case, no punctuation, no articles, single spaces).

    One deviation: punctuation becomes a space instead of vanishing, so that containment
    respects word edges ("Six-time" contains "six", "Tyndale's" contains "Tyndale").
    """
    text = "".join(" " if ch in _PUNCTUATION else ch for ch in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether `text` contains any gold answer, both normalised."""
    haystack = f" {normalize_answer(text)} "
    return any(normal and f" {normal} " in haystack for normal in map(normalize_answer, answers))


def strip_citations(text: str) -> str:
    """Answer text without its "[n]" markers (so "[1]" never matches a gold "1")."""
    return _CITATION.sub("", text).strip()
