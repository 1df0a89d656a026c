"""A FAISS inner-product index over unit vectors, keyed by caller-chosen int64 ids.

The index type follows the collection's size, as txtai does: exact search (a flat
index) below `EXACT_LIMIT` vectors, where it answers in a few milliseconds and is never
wrong; an inverted-file index (IVF, k-means lists, `nprobe` of them searched) above it,
where exact search would cost tens of milliseconds per query, searched first in a 4-bit
fast-scan copy for a shortlist that the stored vectors then rank. The choice and its settings
are an `IndexSpec`, recorded so a saved index says what it is; the FAISS file itself also
carries them, so `from_bytes` recovers the spec without the manifest.

FAISS pads short result lists with id -1, and Python's `rows[-1]` would then quietly
return the last row; this class never lets a padding id out. Serialisation is FAISS's
own binary format (no pickle; a store with a shortlist writes a small header and then its
two FAISS indexes); the caller decides where and how atomically to write it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import faiss
import numpy as np

from embeddings.errors import VectorStoreError
from embeddings.index_spec import EXACT_LIMIT, IndexSpec, choose_spec
from embeddings.ivf import (
    HASHTABLE,
    cell_ids,
    check_shortlist,
    is_container,
    ivf_codes,
    ivf_index,
    join_container,
    shortlist_index,
    split_container,
)

# An approximate index is retrained when the collection has grown this much since its
# k-means lists were fitted: lists fitted to a tenth of the data get long and slow.
RETRAIN_GROWTH = 4
# A restricted search (`allowed=`) over at most this many ids is done exactly on their
# stored vectors: cheaper than probing lists, and it never misses an allowed passage.
EXACT_SUBSET_LIMIT = 50_000


@dataclass(frozen=True)
class Hits:
    """Search results, best first: `ids[i]` scored `scores[i]` (cosine for unit vectors)."""

    ids: np.ndarray  # int64, shape (n,)
    scores: np.ndarray  # float32, shape (n,)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


class VectorStore:
    """Inner-product search with add and remove by id; exact or approximate by size.

    Args:
        dimension: length of every vector; vectors of another length are refused.
        spec: a fixed index type; None (the default) chooses by size with `choose_spec`,
            starting exact and switching to IVF once `exact_limit` vectors are stored
            (a one-off rebuild, seconds at 100k vectors).
        exact_limit: the size at which an automatic store becomes approximate.
        search_threads: OpenMP threads FAISS may use for one query. One: measured on the
            2-core reference machine with the other core busy, a 10k-vector exact search
            took 0.6 ms on one thread and 80 ms on two (the threads spin waiting for each
            other); adding and training keep FAISS's default. None leaves FAISS's setting.
    """

    index_type = "IDMap2,Flat,IP"  # the exact index; an instance reports its own

    def __init__(
        self,
        dimension: int,
        *,
        spec: IndexSpec | None = None,
        exact_limit: int = EXACT_LIMIT,
        search_threads: int | None = 1,
    ) -> None:
        if dimension < 1:
            raise VectorStoreError(f"dimension must be at least 1, got {dimension}.")
        if exact_limit < 1:
            raise VectorStoreError(f"exact_limit must be at least 1, got {exact_limit}.")
        if spec is not None and spec.kind == "ivf":
            raise VectorStoreError(
                "An IVF index must be trained on vectors: use VectorStore.build(ids, vectors, "
                "spec=...) instead of the constructor."
            )
        self.dimension = dimension
        self.auto = spec is None
        self.exact_limit = exact_limit
        self.search_threads = search_threads
        self.spec = IndexSpec()
        self.index_type = self.spec.factory
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._fast: Any = None  # the shortlist's fast-scan copy of an IVF index, if any

    @classmethod
    def build(
        cls,
        ids: Iterable[int],
        vectors: np.ndarray,
        *,
        spec: IndexSpec | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> VectorStore:
        """A store holding `vectors` under `ids`, of the type their number calls for.

        Args:
            spec: force an index type (for instance to compare exact with approximate);
                None chooses by size, and the store keeps choosing as it grows.
        """
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2:
            raise VectorStoreError(f"Expected a 2-d array of vectors, got shape {matrix.shape}.")
        store = cls(int(matrix.shape[1]), exact_limit=exact_limit)
        store.auto = spec is None
        chosen = spec or choose_spec(int(matrix.shape[0]), exact_limit=exact_limit)
        if chosen.kind == "ivf":
            store._train(chosen, store._as_matrix(matrix))
        store._add(np.asarray(list(ids), dtype=np.int64), store._as_matrix(matrix))
        return store

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _train(self, spec: IndexSpec, sample: np.ndarray) -> None:
        """Empty IVF index (and its shortlist copy) fitted to `sample`."""
        self._index = ivf_index(self.dimension, spec, sample)
        self._fast = shortlist_index(self._index, sample) if spec.shortlist else None
        self._set_spec(spec)

    def _set_spec(self, spec: IndexSpec) -> None:
        self.spec = spec
        self.index_type = spec.factory

    def _as_matrix(self, vectors: np.ndarray) -> np.ndarray:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise VectorStoreError(
                f"Expected vectors of dimension {self.dimension}, got shape {matrix.shape}."
            )
        if not np.isfinite(matrix).all():
            raise VectorStoreError("Vectors contain NaN or infinite values.")
        return np.ascontiguousarray(matrix)

    def add(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        """Add vectors under `ids` (non-negative, not already present).

        An automatic store that grows past its exact limit (or far past the size its
        lists were fitted to) is rebuilt as the index its new size calls for.
        """
        id_array = np.asarray(list(ids), dtype=np.int64)
        unique, counts = np.unique(id_array, return_counts=True)
        clash = np.union1d(unique[counts > 1], unique[np.isin(unique, self.ids())])
        if clash.size:
            # FAISS would keep both entries and return the id twice in one result list.
            shown = ", ".join(map(str, clash[:5].tolist()))
            raise VectorStoreError(f"Vector ids already present: {shown}.")
        self._add(id_array, self._as_matrix(vectors))
        if self.auto:
            self._reindex_if_grown()

    def _add(self, id_array: np.ndarray, matrix: np.ndarray) -> None:
        if id_array.shape[0] != matrix.shape[0]:
            raise VectorStoreError(
                f"Got {id_array.shape[0]} ids for {matrix.shape[0]} vectors; they must match."
            )
        if id_array.size and id_array.min() < 0:
            raise VectorStoreError("Vector ids must be non-negative.")
        if id_array.size:
            self._index.add_with_ids(matrix, id_array)
            if self._fast is not None:
                self._fast.add_with_ids(matrix, id_array)

    def _reindex_if_grown(self) -> None:
        count = len(self)
        if self.spec.kind == "flat" and count < self.exact_limit:
            return
        if self.spec.kind == "ivf" and count < RETRAIN_GROWTH * self.spec.trained_on:
            return
        spec = choose_spec(count, exact_limit=self.exact_limit)
        if spec.kind == "flat":
            return
        ids = self.ids()
        matrix = self.vectors(ids)
        self._train(spec, matrix)
        self._add(ids, matrix)

    def set_nprobe(self, nprobe: int) -> None:
        """Search `nprobe` cells per query from now on (IVF only): more is slower, more exact.

        The new value is part of the spec and of the bytes `to_bytes` writes.
        """
        if self.spec.kind != "ivf":
            raise VectorStoreError(
                f"nprobe applies to an IVF index; this store is {self.spec.kind!r} (exact)."
            )
        spec = replace(self.spec, nprobe=nprobe)
        self._index.nprobe = nprobe
        if self._fast is not None:
            self._fast.nprobe = nprobe
        self._set_spec(spec)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove the vectors with these ids; returns how many were removed."""
        id_array = np.asarray(list(ids), dtype=np.int64)
        if id_array.size == 0:
            return 0
        if self.spec.kind == "ivf":
            # IVF's id hashtable removes only by explicit array, and only ids it holds.
            present = np.unique(id_array[np.isin(id_array, self.ids())])
            if present.size == 0:
                return 0
            if self._fast is not None:  # no id map there (fast-scan lists cannot keep one)
                self._fast.remove_ids(faiss.IDSelectorBatch(present))
            return int(self._index.remove_ids(faiss.IDSelectorArray(present)))
        return int(self._index.remove_ids(faiss.IDSelectorBatch(id_array)))

    def search(self, query: np.ndarray, k: int, *, allowed: Iterable[int] | None = None) -> Hits:
        """The `k` stored vectors with the highest inner product with `query`.

        Exact for a flat index; for IVF, the best of the `nprobe` nearest lists (recall
        measured in docs/benchmarks.md), except that a search restricted to at most
        EXACT_SUBSET_LIMIT allowed ids is always exact.

        Args:
            query: one vector, shape (dimension,).
            k: how many results at most; fewer come back when fewer are stored (or allowed).
            allowed: if given, only these ids may be returned.

        Returns:
            Hits with min(k, candidates) entries, best first, never a padding id.
        """
        if k < 1:
            raise VectorStoreError(f"k must be at least 1, got {k}.")
        vector = self._as_matrix(query)
        params = None
        limit = len(self)
        if allowed is not None:
            allowed_ids = np.asarray(sorted(set(allowed)), dtype=np.int64)
            if allowed_ids.size == 0:
                return _empty_hits()
            if not self.spec.exact and allowed_ids.size <= EXACT_SUBSET_LIMIT:
                return self._exact_subset(vector[0], allowed_ids, k)
            params = self._params(faiss.IDSelectorBatch(allowed_ids))
            limit = min(limit, int(allowed_ids.size))
        k = min(k, limit)
        if k == 0:
            return _empty_hits()
        if self._fast is not None and params is None:
            return self._shortlisted(vector, k)
        with _faiss_threads(self.search_threads):
            scores, ids = self._index.search(vector, k, params=params)
        keep = ids[0] >= 0
        return Hits(ids=ids[0][keep].astype(np.int64), scores=scores[0][keep].astype(np.float32))

    def _shortlisted(self, vector: np.ndarray, k: int) -> Hits:
        """The best `k` of the fast-scan copy's candidates, by the stored vectors."""
        with _faiss_threads(self.search_threads):
            _, found = self._fast.search(vector, min(max(k, self.spec.shortlist), len(self)))
        candidates = found[0][found[0] >= 0].astype(np.int64)
        if candidates.size == 0:
            return _empty_hits()
        try:
            stored = self._index.reconstruct_batch(candidates)
        except RuntimeError as err:  # an id the shortlist has and the lists do not
            raise VectorStoreError(f"The vector index's shortlist is out of step: {err}") from err
        scores = stored @ vector[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return Hits(ids=candidates[order], scores=scores[order].astype(np.float32))

    def _params(self, selector: Any) -> Any:
        if self.spec.kind == "ivf":
            # faiss's type stubs omit the keyword arguments its SWIG classes accept.
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.spec.nprobe)  # type: ignore[call-arg]
        return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]

    def _exact_subset(self, query: np.ndarray, allowed: np.ndarray, k: int) -> Hits:
        present = allowed[np.isin(allowed, self.ids())]
        if present.size == 0:
            return _empty_hits()
        scores = self.vectors(present) @ query
        order = np.argsort(-scores, kind="stable")[:k]
        return Hits(ids=present[order], scores=scores[order].astype(np.float32))

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """The stored vectors for `ids`, shape (n, dimension); unknown ids raise."""
        id_list = list(ids)
        out = np.zeros((len(id_list), self.dimension), dtype=np.float32)
        for row, vector_id in enumerate(id_list):
            try:
                out[row] = self._index.reconstruct(int(vector_id))
            except RuntimeError as err:
                raise VectorStoreError(f"No vector with id {vector_id} in the store.") from err
        return out

    def ids(self) -> np.ndarray:
        """Every stored id: in insertion order for an exact index, by cell for IVF."""
        if self.spec.kind == "flat":
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        parts = [cell_ids(self._index, cell) for cell in range(self._index.nlist)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def to_bytes(self) -> bytes:
        """The index in FAISS's binary format (its type and settings included).

        With a shortlist: a header (marker, the main index's length, the shortlist size),
        then both indexes in FAISS's format. A store without one is written as before.
        """
        main = faiss.serialize_index(self._index).tobytes()
        if self._fast is None:
            return main
        fast = faiss.serialize_index(self._fast).tobytes()
        return join_container(main, fast, self.spec.shortlist)

    @classmethod
    def from_bytes(
        cls, data: bytes, dimension: int, *, exact_limit: int = EXACT_LIMIT
    ) -> VectorStore:
        """Rebuild a store written by `to_bytes`; only read bytes this program wrote itself.

        Raises:
            VectorStoreError: the bytes are not a FAISS index of this type and dimension.
        """
        index: Any
        fast: Any = None
        shortlist = 0
        if is_container(data):
            data, fast_bytes, shortlist = split_container(data)
            fast = _deserialise(fast_bytes)
        index = _deserialise(data)
        store = cls(dimension, exact_limit=exact_limit)
        codes = ivf_codes(index)
        if fast is not None:
            check_shortlist(fast, index, dimension, codes)
            store._fast = fast
        if codes is not None and index.d == dimension:
            # The cell count, nprobe and codes travel in the FAISS file; the training size
            # does not, so the current size stands in for it (retraining then waits for 4x).
            if index.direct_map.type != HASHTABLE:
                index.set_direct_map_type(HASHTABLE)
            store._set_spec(
                IndexSpec(
                    "ivf", int(index.nlist), int(index.nprobe), int(index.ntotal), codes, shortlist
                )
            )
        elif not (
            isinstance(index, faiss.IndexIDMap2)
            and index.d == dimension
            and isinstance(faiss.downcast_index(index.index), faiss.IndexFlatIP)
        ):
            raise VectorStoreError(
                f"The vector index has type {type(index).__name__} and dimension {index.d}; "
                f"expected IndexIDMap2 over a flat index, or IVF, of dimension {dimension}."
            )
        store._index = index
        return store


def _deserialise(data: bytes) -> Any:
    try:
        return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except Exception as err:
        raise VectorStoreError(f"The vector index cannot be read: {err}") from err


@contextmanager
def _faiss_threads(count: int | None) -> Iterator[None]:
    """Run a block with `count` FAISS (OpenMP) threads, then put the old setting back."""
    previous = faiss.omp_get_max_threads()
    if count is None or count == previous:
        yield
        return
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _empty_hits() -> Hits:
    return Hits(ids=np.zeros(0, dtype=np.int64), scores=np.zeros(0, dtype=np.float32))
