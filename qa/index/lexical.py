"""BM25 over passages (bm25s), with our own Unicode-safe, stemmed terms.

The index is rebuilt from passage text whenever the collection changes and is never
saved: rebuilding takes milliseconds for thousands of passages, and an index that is
derived on load cannot drift from the chunk table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.text import terms
from qa.text.code_terms import is_symbol


@dataclass(frozen=True)
class LexicalConfig:
    """BM25 settings. k1: term-frequency saturation; b: length normalisation."""

    k1: float = 1.2
    b: float = 0.75
    stem: bool = True
    drop_stopwords: bool = True

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ValueError(f"k1 must be 0 or more, got {self.k1}.")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be between 0 and 1, got {self.b}.")


class LexicalIndex:
    """Okapi BM25 scores of a query against a fixed list of passages."""

    def __init__(self, texts: Sequence[str], config: LexicalConfig | None = None) -> None:
        import bm25s

        self.config = config or LexicalConfig()
        self.size = len(texts)
        self._model = None
        self._document_frequency: Counter[str] = Counter()
        self._memo: dict[tuple[str, int], frozenset[str]] = {}
        self._last_weights: tuple[tuple[str, ...], dict[str, float]] = ((), {})
        corpus = [self.terms(text) for text in texts]
        if any(corpus):  # bm25s cannot index a corpus without a single term
            for passage_terms in corpus:
                self._document_frequency.update(set(passage_terms))
            model = bm25s.BM25(k1=self.config.k1, b=self.config.b)
            model.index(corpus, show_progress=False)
            self._model = model

    def terms_of(self, key: tuple[str, int], text: str) -> frozenset[str]:
        """The terms of a sentence, remembered under `key` for the life of this index.

        Answer selection and reranking look at the same sentences query after query; the
        index is rebuilt whenever the collection changes, which also clears this memo.
        """
        found = self._memo.get(key)
        if found is None:
            found = frozenset(self.terms(text))
            self._memo[key] = found
        return found

    def terms(self, text: str) -> list[str]:
        """The terms this index uses for the passage or sentence `text`."""
        return terms(text, stem=self.config.stem, drop_stopwords=self.config.drop_stopwords)

    def query_terms(self, query: str) -> list[str]:
        """The terms of a question: those of `terms`, without identifier parts.

        A passage's `try_recv` is found by "recv", but a question's `MkDocs` is matched
        whole: its parts would count one name three times in the coverage (mkdoc, mk,
        doc), and "doc" matches every passage about docs.
        """
        return terms(
            query, stem=self.config.stem, drop_stopwords=self.config.drop_stopwords, parts=False
        )

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query`, shape (size,); zeros when nothing matches."""
        known = [term for term in self.query_terms(query) if term in self._document_frequency]
        if self._model is None or not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term, in BM25's smoothed form.

        A term no passage contains gets the highest value: a question that hinges on a
        word the documents never use is probably about something they do not cover.
        """
        frequency = self._document_frequency.get(term, 0)
        return math.log(1.0 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def coverage(self, question_terms: Iterable[str], text_terms: Container[str]) -> float:
        """Share of the question's idf weight whose terms occur in the text (0..1).

        Unlike a BM25 score this is comparable across passages and queries, which makes it
        usable both for ranking and as evidence for the confidence.
        """
        weights = self.question_weights(question_terms)
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        return sum(weight for term, weight in weights.items() if term in text_terms) / total

    def question_weights(self, question_terms: Iterable[str]) -> dict[str, float]:
        """idf of each distinct question term, computed once per question.

        Coverage is asked for every candidate sentence of one question in turn; the last
        question's weights are kept (swapped in as one tuple, so threads never mix them).
        A code symbol no passage holds (`gh-deploy` in backticks) weighs nothing: its word
        parts already stand for it, and a document's inline code lost its backticks, so
        the same characters may be indexed as words only. Unlike an unknown word, it is
        no sign that the documents miss the question's subject.
        """
        key = tuple(sorted(set(question_terms)))
        last = self._last_weights
        if last[0] != key or not key:
            known = [t for t in key if t in self._document_frequency or not is_symbol(t)]
            last = (key, {term: self.idf(term) for term in known})
            self._last_weights = last
        return last[1]


def top_positive(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` highest positive scores, best first, ties in row order.

    The same order as a stable sort of every positive score, without sorting them all: at
    a million passages a common word scores hundreds of thousands of rows.
    """
    positive = np.flatnonzero(scores > 0)
    if depth < 1 or positive.size == 0:
        return positive[:0]
    values = scores[positive]
    if positive.size > depth:
        cutoff = np.partition(values, positive.size - depth)[positive.size - depth]
        above = values > cutoff
        tied = np.flatnonzero(values == cutoff)[: depth - int(above.sum())]
        keep = np.sort(np.concatenate([np.flatnonzero(above), tied]))
        positive, values = positive[keep], values[keep]
    return positive[np.argsort(-values, kind="stable")]
