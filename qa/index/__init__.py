"""The in-memory index of the documents: what retrieval searches.

- collection.py: the documents with their sentences, passages, vectors and the BM25 index,
  kept consistent under one lock (add, remove, restore from disk);
- lexical.py: BM25 over passages with our own stemmed, code-aware terms;
- build.py: a batch of inputs indexed leniently: what can be read goes in, the rest is
  reported (`Assistant.index`, `qa index`, the upload panel);
- report.py: `IndexReport`, what became of each input: indexed, skipped (and why) or failed.

The names callers use are here: `from qa.index import Collection`.
"""

from qa.embed import ProgressCallback
from qa.index.build import LoadedBatch, index_batch, load_batch, load_paths
from qa.index.collection import Collection, IndexedDocument
from qa.index.lexical import LexicalConfig, LexicalIndex, top_positive
from qa.index.report import IndexReport, ReportEntry

__all__ = [
    "Collection",
    "IndexReport",
    "IndexedDocument",
    "LexicalConfig",
    "LexicalIndex",
    "LoadedBatch",
    "ProgressCallback",
    "ReportEntry",
    "index_batch",
    "load_batch",
    "load_paths",
    "top_positive",
]
