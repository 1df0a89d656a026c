"""Dense + lexical search over passages, fused into one ranking without near-duplicates.

Dense search (MiniLM vectors, FAISS inner product) finds paraphrases; BM25 finds rare
names and numbers that a small embedding model blurs. Reciprocal rank fusion combines the
two lists by rank, so neither score scale has to be calibrated against the other.
"""

from __future__ import annotations

from collections.abc import Collection as Container
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from qa.index import Collection, top_positive
from qa.types import Chunk

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
Fusion = Literal["evidence", "rrf"]
FUSIONS: tuple[str, ...] = ("evidence", "rrf")


@dataclass(frozen=True)
class RetrievalConfig:
    """How passages are found.

    Attributes:
        mode: "hybrid" (both, fused), "dense" or "lexical".
        fusion: how hybrid mode orders the pooled candidates of both retrievers.
            "rrf": reciprocal rank fusion of the two lists. "evidence" (default): a weighted
            sum of the passage's cosine, its best sentence's cosine and its best sentence's
            share of the question's rare words; it was 3 points of hit@1 better than RRF
            on held-out XQuAD questions (docs/evaluation.md).
        rrf_k: reciprocal-rank-fusion constant; larger flattens the rank curve.
        dense_weight, lexical_weight: weights of each list's 1/(rrf_k + rank) in RRF.
        passage_weight, sentence_weight, coverage_weight: weights of the "evidence" sum.
        depth: how many results each retriever contributes to the pool.
    """

    mode: Mode = "hybrid"
    fusion: Fusion = "evidence"
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    passage_weight: float = 0.5
    sentence_weight: float = 0.5
    coverage_weight: float = 0.5
    depth: int = 30

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}.")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}; got {self.fusion!r}.")
        if self.rrf_k < 0:
            raise ValueError(f"rrf_k must be 0 or more, got {self.rrf_k}.")
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, got {self.depth}.")
        if self.dense_weight < 0 or self.lexical_weight < 0:
            raise ValueError("dense_weight and lexical_weight must be 0 or more.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """A retrieved passage with the evidence behind its rank."""

    vector_id: int
    chunk: Chunk
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float
    lexical_score: float
    sentence_score: float = 0.0  # best cosine of one of its sentences
    coverage: float = 0.0  # best share of the question's idf weight in one sentence


def retrieve(
    collection: Collection,
    query: str,
    query_vector: np.ndarray,
    k: int,
    config: RetrievalConfig | None = None,
    *,
    documents: Container[str] | None = None,
) -> list[Candidate]:
    """The best `k` passages for a query, best first.

    Args:
        collection: what to search.
        query: the question text (for BM25).
        query_vector: its unit embedding (for dense search).
        k: how many passages at most; fewer when the collection has fewer.
        config: retrieval settings.
        documents: if given, only passages of these document ids are considered.

    Returns:
        At most k candidates, none overlapping another from the same document.
    """
    config = config or RetrievalConfig()
    with collection.lock:
        if collection.passage_count == 0:
            return []
        allowed = None
        if documents is not None:
            allowed = [vid for vid, c in collection.chunk_items() if c.doc_id in documents]
            if not allowed:
                return []
        depth = max(config.depth, 2 * k)
        dense = _dense(collection, query_vector, depth, allowed, config)
        lexical = _lexical(collection, query, depth, allowed, config)
        fused = _fuse(dense, lexical, config)
        dense_scores = _dense_scores(collection, query_vector, fused, dense)
        candidates = []
        for vector_id, score in fused:
            chunk = collection.chunk(vector_id)
            candidates.append(
                Candidate(
                    vector_id=vector_id,
                    chunk=chunk,
                    score=score,
                    dense_rank=dense.get(vector_id, (None, 0.0))[0],
                    lexical_rank=lexical.get(vector_id, (None, 0.0))[0],
                    dense_score=dense_scores[vector_id],
                    lexical_score=lexical.get(vector_id, (None, 0.0))[1],
                )
            )
        if config.mode == "hybrid" and config.fusion == "evidence":
            candidates = _rescore(collection, query, query_vector, candidates, config)
    return without_overlaps(candidates, k)


def _rescore(
    collection: Collection,
    query: str,
    query_vector: np.ndarray,
    candidates: list[Candidate],
    config: RetrievalConfig,
) -> list[Candidate]:
    """Order the pool by evidence: passage cosine, best sentence cosine, best coverage.

    A question usually matches one sentence of its passage closely; the passage vector
    blurs that sentence with its neighbours, so the best sentence is scored on its own.
    """
    index, _ = collection.lexical()
    question_terms = index.query_terms(query)
    rescored = []
    for candidate in candidates:
        chunk = candidate.chunk
        entry = collection.entry(chunk.doc_id)
        first, last = chunk.first_sentence, chunk.last_sentence
        cosines = entry.sentence_vectors[first : last + 1] @ query_vector
        cover = max(
            index.coverage(
                question_terms,
                index.terms_of((chunk.doc_id, row), entry.document.text[span.start : span.end]),
            )
            for row, span in enumerate(entry.sentences[first : last + 1], start=first)
        )
        best = float(cosines.max())
        score = (
            config.passage_weight * candidate.dense_score
            + config.sentence_weight * best
            + config.coverage_weight * cover
        )
        rescored.append(replace(candidate, score=score, sentence_score=best, coverage=cover))
    rescored.sort(key=lambda c: (-c.score, c.vector_id))
    return rescored


def _dense(
    collection: Collection,
    query_vector: np.ndarray,
    depth: int,
    allowed: list[int] | None,
    config: RetrievalConfig,
) -> dict[int, tuple[int, float]]:
    if config.mode == "lexical":
        return {}
    hits = collection.store.search(query_vector, depth, allowed=allowed)
    return {
        int(vid): (rank, float(score))
        for rank, (vid, score) in enumerate(zip(hits.ids, hits.scores, strict=True), start=1)
    }


def _lexical(
    collection: Collection,
    query: str,
    depth: int,
    allowed: list[int] | None,
    config: RetrievalConfig,
) -> dict[int, tuple[int, float]]:
    if config.mode == "dense":
        return {}
    index, ids = collection.lexical()
    scores = index.scores(query)
    if allowed is not None:
        mask = np.isin(ids, np.asarray(allowed, dtype=np.int64))
        scores = np.where(mask, scores, 0.0)
    order = top_positive(scores, depth)
    return {int(ids[row]): (rank, float(scores[row])) for rank, row in enumerate(order, start=1)}


def _fuse(
    dense: dict[int, tuple[int, float]],
    lexical: dict[int, tuple[int, float]],
    config: RetrievalConfig,
) -> list[tuple[int, float]]:
    fused: dict[int, float] = {}
    for weight, ranking in ((config.dense_weight, dense), (config.lexical_weight, lexical)):
        for vector_id, (rank, _) in ranking.items():
            fused[vector_id] = fused.get(vector_id, 0.0) + weight / (config.rrf_k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _dense_scores(
    collection: Collection,
    query_vector: np.ndarray,
    fused: list[tuple[int, float]],
    dense: dict[int, tuple[int, float]],
) -> dict[int, float]:
    """Cosine of every fused passage, looking up the vectors BM25 alone brought in."""
    scores = {vid: score for vid, (_, score) in dense.items()}
    missing = [vid for vid, _ in fused if vid not in scores]
    if missing:
        vectors = collection.store.vectors(missing)
        for vid, value in zip(missing, vectors @ query_vector, strict=True):
            scores[vid] = float(value)
    return scores


def without_overlaps(candidates: list[Candidate], k: int) -> list[Candidate]:
    """Drop passages that mostly repeat a better one; at most k.

    Neighbouring windows share a sentence by design; a passage is a repeat when more than
    half of the shorter of the two lies inside the other.
    """
    kept: list[Candidate] = []
    for candidate in candidates:
        if any(_mostly_overlap(candidate.chunk, other.chunk) for other in kept):
            continue
        kept.append(candidate)
        if len(kept) == k:
            break
    return kept


def _mostly_overlap(a: Chunk, b: Chunk) -> bool:
    if a.doc_id != b.doc_id:
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0 and 2 * shared > min(a.end - a.start, b.end - b.start)
