"""Scale: dense and lexical search over synthetic corpora of 10k to 1M passages.

Synthetic on purpose (embedding a million real passages takes hours on this machine):
- Vectors: unit vectors from a low-rank Gaussian (rank 32 in 384 dimensions) plus
  isotropic noise. Their nearest neighbours have cosine ~0.7, as MiniLM's near passages
  do, and unlike clustered data the neighbours straddle k-means cells, which makes this
  a hard, not a flattering, case for an approximate index. Queries are fresh draws.
- Text: passages of 40-80 words drawn Zipf-like from a vocabulary of made-up words;
  queries are 3-6 words of middling frequency, like a question's content words.
Exact (flat) search gives the ground truth for recall@10 of the approximate index, which
is the one VectorStore picks above its exact limit (since issue 5: IVF with int8 codes).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

import numpy as np

from benchmarks.common import Stats, peak_memory, time_calls
from embeddings.index_spec import EXACT_LIMIT, IndexSpec, choose_spec
from embeddings.store import VectorStore
from qa.index import top_positive

DIMENSION = 384
RANK = 32
NOISE = 0.5
K = 10


def synthetic_vectors(
    count: int, *, seed: int, dimension: int = DIMENSION, chunk: int = 100_000
) -> np.ndarray:
    """`count` unit float32 vectors from the low-rank model (the basis is fixed by seed 0)."""
    basis = np.random.default_rng(0).standard_normal((RANK, dimension), dtype=np.float32)
    basis /= np.sqrt(RANK)
    rng = np.random.default_rng(seed)
    out = np.empty((count, dimension), dtype=np.float32)
    for start in range(0, count, chunk):
        rows = min(chunk, count - start)
        block = rng.standard_normal((rows, RANK), dtype=np.float32) @ basis
        block += rng.standard_normal((rows, dimension), dtype=np.float32) * (
            NOISE / np.sqrt(dimension)
        )
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + rows] = block
    return out


def recall_at_k(found: list[np.ndarray], truth: list[np.ndarray], k: int = K) -> float:
    """Mean share of the exact top-k that the approximate search also returned."""
    shares = [
        len(set(f[:k].tolist()) & set(t[:k].tolist())) / k
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(shares)) if shares else 0.0


@dataclass(frozen=True)
class DenseRun:
    """One index type at one size."""

    index: str
    build_seconds: float
    search: Stats
    bytes_per_passage: float  # serialised index size / passages
    rss_per_passage: float  # resident memory the index added / passages
    recall_at_10: float  # 1.0 for the exact index by definition


@dataclass(frozen=True)
class Sweep:
    nprobe: int
    search: Stats
    recall_at_10: float


@dataclass(frozen=True)
class DenseScale:
    passages: int
    product_choice: str  # what VectorStore picks at this size
    exact: DenseRun
    approximate: DenseRun
    sweep: list[Sweep]


def _search_all(store: VectorStore, queries: np.ndarray) -> tuple[Stats, list[np.ndarray]]:
    results: list[np.ndarray] = []

    def once(row: int) -> None:
        results.append(store.search(queries[row], K).ids)

    stats = time_calls(once, list(range(len(queries))), warmup=0)
    return stats, results


def _build(vectors: np.ndarray, spec: IndexSpec) -> tuple[VectorStore, float, float]:
    ids = np.arange(vectors.shape[0], dtype=np.int64)
    with peak_memory() as memory:
        started = time.perf_counter()
        store = VectorStore.build(ids, vectors, spec=spec, exact_limit=EXACT_LIMIT)
        seconds = time.perf_counter() - started
    return store, seconds, max(0.0, memory.growth_mb) * 2**20


def dense_scale(count: int, *, queries: int = 200, seed: int = 1) -> DenseScale:
    """Exact and approximate index over `count` synthetic vectors: build, latency, recall."""
    vectors = synthetic_vectors(count, seed=seed)
    probes = synthetic_vectors(queries, seed=seed + 1000)
    exact, exact_seconds, exact_rss = _build(vectors, IndexSpec())
    exact_stats, truth = _search_all(exact, probes)
    exact_bytes = len(exact.to_bytes())
    del exact
    gc.collect()
    spec = choose_spec(count, exact_limit=0)  # forced approximate, for comparison at any size
    approx, approx_seconds, approx_rss = _build(vectors, spec)
    del vectors
    gc.collect()
    approx_stats, found = _search_all(approx, probes)
    sweep = []
    # Around the default, 3/32 and 4/32 of the cells show where recall@10 crosses 0.95.
    shares = {max(1, spec.nprobe * share // 8) for share in (1, 2, 4, 8, 16)}
    for nprobe in sorted(shares | {spec.nlist * 3 // 32, spec.nlist // 8} - {0}):
        if nprobe > spec.nlist:
            continue
        approx.set_nprobe(nprobe)
        stats, results = _search_all(approx, probes)
        sweep.append(Sweep(nprobe, stats, recall_at_k(results, truth)))
    approx_bytes = len(approx.to_bytes())
    return DenseScale(
        passages=count,
        product_choice=choose_spec(count).factory,
        exact=DenseRun(
            "IDMap2,Flat,IP",
            exact_seconds,
            exact_stats,
            exact_bytes / count,
            exact_rss / count,
            1.0,
        ),
        approximate=DenseRun(
            f"{spec.factory} nprobe={spec.nprobe}",
            approx_seconds,
            approx_stats,
            approx_bytes / count,
            approx_rss / count,
            recall_at_k(found, truth),
        ),
        sweep=sweep,
    )


# ----- lexical -------------------------------------------------------------------------
VOCABULARY = 50_000
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]


def _words(count: int, rng: np.random.Generator) -> list[str]:
    picks = rng.integers(0, len(_SYLLABLES), size=(count, 3))
    seen: dict[str, None] = {}
    for row in picks:
        seen.setdefault("".join(_SYLLABLES[i] for i in row) + str(len(seen) % 97), None)
    return list(seen)


def synthetic_texts(count: int, *, seed: int = 2) -> tuple[list[str], list[str]]:
    """(passages, vocabulary by falling frequency): 40-80 Zipf-distributed words each."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array(_words(VOCABULARY, rng))
    weights = 1.0 / np.arange(1, len(vocabulary) + 1) ** 1.07
    weights /= weights.sum()
    lengths = rng.integers(40, 81, size=count)
    draws = rng.choice(len(vocabulary), size=int(lengths.sum()), p=weights)
    passages = []
    start = 0
    for length in lengths:
        passages.append(" ".join(vocabulary[draws[start : start + length]].tolist()))
        start += length
    return passages, vocabulary.tolist()


def synthetic_queries(vocabulary: list[str], count: int, *, seed: int = 3) -> list[str]:
    """3-6 words from ranks 100-20,000: content words, neither stopword-common nor unseen."""
    rng = np.random.default_rng(seed)
    return [
        " ".join(vocabulary[i] for i in rng.integers(100, 20_000, size=rng.integers(3, 7)))
        for _ in range(count)
    ]


@dataclass(frozen=True)
class LexicalScale:
    passages: int
    build_seconds: float
    search: Stats  # bm25s's own top-50 retrieval, for reference
    scores: Stats  # full score vector + top-50 selection: qa's lexical search
    rss_per_passage: float
    text_bytes_per_passage: float


def lexical_scale(count: int, *, queries: int = 200) -> LexicalScale:
    """bm25s index over `count` generated passages: build time, query latency, memory."""
    import bm25s

    passages, vocabulary = synthetic_texts(count)
    text_bytes = sum(len(p) for p in passages) / count
    probes = synthetic_queries(vocabulary, queries)
    with peak_memory() as memory:
        started = time.perf_counter()
        tokens = bm25s.tokenize(passages, stopwords=None, show_progress=False)
        del passages
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        seconds = time.perf_counter() - started
        del tokens
        gc.collect()
    vocab = model.vocab_dict
    # Words a small corpus never drew cannot be looked up (bm25s refuses empty queries).
    tokenised = [t for t in ([w for w in q.split() if w in vocab] for q in probes) if t]
    if not tokenised:
        raise ValueError(f"No query word occurs in {count} passages; use a larger corpus.")
    depth = min(50, count)

    def retrieve(words: list[str]) -> object:
        return model.retrieve([words], k=depth, show_progress=False, n_threads=1)

    def scores(words: list[str]) -> object:  # what qa.retrieve does with qa.index.lexical's scores
        return top_positive(np.asarray(model.get_scores(words), dtype=np.float32), depth)

    return LexicalScale(
        passages=count,
        build_seconds=seconds,
        search=time_calls(retrieve, tokenised),
        scores=time_calls(scores, tokenised),
        rss_per_passage=max(0.0, memory.growth_mb) * 2**20 / count,
        text_bytes_per_passage=text_bytes,
    )
