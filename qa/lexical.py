"""BM25 over passages (bm25s), with our own Unicode-safe, stemmed terms.

The index is rebuilt from passage text whenever the collection changes and is never
saved: rebuilding takes milliseconds for thousands of passages, and an index that is
derived on load cannot drift from the chunk table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.text import terms


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
        if self.size:
            corpus = [self.terms(text) for text in texts]
            for passage_terms in corpus:
                self._document_frequency.update(set(passage_terms))
            model = bm25s.BM25(k1=self.config.k1, b=self.config.b)
            model.index(corpus, show_progress=False)
            self._model = model

    def terms(self, text: str) -> list[str]:
        """The terms this index uses for `text`."""
        return terms(text, stem=self.config.stem, drop_stopwords=self.config.drop_stopwords)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query`, shape (size,); zeros when nothing matches."""
        known = [term for term in self.terms(query) if term in self._document_frequency]
        if self._model is None or not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term, in BM25's smoothed form.

        A term no passage contains gets the highest value: a question that hinges on a
        word the documents never use is probably about something they do not cover.
        """
        frequency = self._document_frequency.get(term, 0)
        return float(np.log(1.0 + (self.size - frequency + 0.5) / (frequency + 0.5)))
