"""Exact match and token F1 of short answers, by SQuAD's definitions.

Why apart from `normalize_answer` in matching.py: that one turns punctuation into
spaces so containment respects word edges; scoring a phrase against a gold phrase follows
the official SQuAD v1.1 script instead (Rajpurkar et al. 2016, `evaluate-v1.1.py`), so the
figures compare with published ones: lower-case, punctuation removed, the articles a/an/the
removed, whitespace collapsed; EM and F1 are the best over the gold answers.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def squad_normalize(text: str) -> str:
    """SQuAD v1.1's `normalize_answer`: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str | None, answers: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer; None scores 0."""
    if prediction is None:
        return 0.0
    guess = squad_normalize(prediction)
    return float(any(guess == squad_normalize(gold) for gold in answers))


def token_f1(prediction: str | None, answers: Iterable[str]) -> float:
    """The best token-overlap F1 against the gold answers (SQuAD v1.1); None scores 0."""
    if prediction is None:
        return 0.0
    guess = squad_normalize(prediction).split()
    best = 0.0
    for gold in answers:
        truth = squad_normalize(gold).split()
        common = sum((Counter(guess) & Counter(truth)).values())
        if not guess or not truth:
            best = max(best, float(guess == truth))
        elif common:
            precision, recall = common / len(guess), common / len(truth)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
