"""Word-level text normalisation shared by lexical search and answer selection.

Matching must survive Unicode variety: decomposed accents, full-width letters, zero-width
spaces, CJK text without spaces. Everything is folded (NFKC, case, accents) before it is
split into terms; CJK runs become overlapping character pairs, so a two-character term
matches without a word segmenter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from qa.text.code_terms import code_terms

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")

# A standard English stop list: function words carry no evidence of relevance, and on
# question text they dominate ("what", "did", "the").
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can cannot could did do does doing down during
    each few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just let me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves also s t don""".split()
)


def fold(text: str) -> str:
    """Case-, width- and accent-folded text with zero-width characters removed."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _split_cjk(word: str) -> list[str]:
    """Latin parts stay whole; CJK runs become character bigrams (a lone character stays)."""
    if not _CJK.search(word):
        return [word]
    parts: list[str] = []
    position = 0
    for match in _CJK.finditer(word):
        if match.start() > position:
            parts.append(word[position : match.start()])
        run = match.group()
        parts.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        position = match.end()
    if position < len(word):
        parts.append(word[position:])
    return parts


def terms(
    text: str, *, stem: bool = True, drop_stopwords: bool = True, parts: bool = True
) -> list[str]:
    """The index terms of `text`: its words in order (repeats kept, for term frequency),
    then what its code adds (see `qa.text.code_terms`).

    Identifier parts ("try", "recv" of `try_recv`; with `parts`) are words, stemmed and
    filtered like prose; code symbols (`&str`, `--show-output`) are kept whole. Prose
    without code gets exactly its word terms, so code matching leaves prose ranking alone.
    """
    words: list[str] = []
    for word in _WORD.findall(fold(text)):
        words.extend(_split_cjk(word))
    code = code_terms(text)
    if parts:
        words.extend(fold(part) for part in code.parts)
    if drop_stopwords:
        words = [word for word in words if word not in STOPWORDS]
    if stem and words:
        words = _stemmer().stemWords(words)
    return words + [fold(symbol) for symbol in code.symbols]
