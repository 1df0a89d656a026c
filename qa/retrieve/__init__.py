"""Question -> candidate passages: the retrieval stage.

- hybrid.py: a dense pool (FAISS over passage vectors) and a BM25 pool, fused into one
  ranking by evidence (passage cosine, best sentence cosine, rare-word coverage) or by
  reciprocal rank, near-duplicates dropped.

The names callers use are here: `from qa.retrieve import retrieve, Candidate`.
"""

from qa.retrieve.hybrid import (
    FUSIONS,
    MODES,
    Candidate,
    Fusion,
    Mode,
    RetrievalConfig,
    retrieve,
    without_overlaps,
)

__all__ = [
    "FUSIONS",
    "MODES",
    "Candidate",
    "Fusion",
    "Mode",
    "RetrievalConfig",
    "retrieve",
    "without_overlaps",
]
