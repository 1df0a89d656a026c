"""The in-memory index of the documents: what retrieval searches.

- collection.py: the documents with their sentences, passages, vectors and the BM25 index,
  kept consistent under one lock (add, remove, restore from disk);
- lexical.py: BM25 over passages with our own stemmed, code-aware terms.

The names callers use are here: `from qa.index import Collection`.
"""

from qa.embed import ProgressCallback
from qa.index.collection import Collection, IndexedDocument
from qa.index.lexical import LexicalConfig, LexicalIndex, top_positive

__all__ = [
    "Collection",
    "IndexedDocument",
    "LexicalConfig",
    "LexicalIndex",
    "ProgressCallback",
    "top_positive",
]
