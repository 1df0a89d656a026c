"""A FAISS inner-product index over unit vectors, keyed by caller-chosen int64 ids.

FAISS pads short result lists with id -1, and Python's `rows[-1]` would then quietly
return the last row; this class never lets a padding id out. Serialisation is FAISS's
own binary format (no pickle); the caller decides where and how atomically to write it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import faiss
import numpy as np

from embeddings.errors import VectorStoreError


@dataclass(frozen=True)
class Hits:
    """Search results, best first: `ids[i]` scored `scores[i]` (cosine for unit vectors)."""

    ids: np.ndarray  # int64, shape (n,)
    scores: np.ndarray  # float32, shape (n,)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


class VectorStore:
    """Exact inner-product search with add and remove by id.

    Args:
        dimension: length of every vector; vectors of another length are refused.
    """

    index_type = "IDMap2,Flat,IP"

    def __init__(self, dimension: int) -> None:
        if dimension < 1:
            raise VectorStoreError(f"dimension must be at least 1, got {dimension}.")
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self._index.ntotal)

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
        """Add vectors under `ids` (non-negative, not already present)."""
        id_array = np.asarray(list(ids), dtype=np.int64)
        matrix = self._as_matrix(vectors)
        if id_array.shape[0] != matrix.shape[0]:
            raise VectorStoreError(
                f"Got {id_array.shape[0]} ids for {matrix.shape[0]} vectors; they must match."
            )
        if id_array.size and id_array.min() < 0:
            raise VectorStoreError("Vector ids must be non-negative.")
        if id_array.size:
            self._index.add_with_ids(matrix, id_array)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove the vectors with these ids; returns how many were removed."""
        id_array = np.asarray(list(ids), dtype=np.int64)
        if id_array.size == 0:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(id_array)))

    def search(
        self, query: np.ndarray, k: int, *, allowed: Iterable[int] | None = None
    ) -> Hits:
        """The `k` stored vectors with the highest inner product with `query`.

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
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_ids))
            limit = min(limit, int(allowed_ids.size))
        k = min(k, limit)
        if k == 0:
            return _empty_hits()
        scores, ids = self._index.search(vector, k, params=params)
        keep = ids[0] >= 0
        return Hits(ids=ids[0][keep].astype(np.int64), scores=scores[0][keep].astype(np.float32))

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
        """Every stored id, in insertion order."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def to_bytes(self) -> bytes:
        """The index in FAISS's binary format."""
        return faiss.serialize_index(self._index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, dimension: int) -> VectorStore:
        """Rebuild a store written by `to_bytes`; only read bytes this program wrote itself.

        Raises:
            VectorStoreError: the bytes are not a FAISS index of this type and dimension.
        """
        try:
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except Exception as err:
            raise VectorStoreError(f"The vector index cannot be read: {err}") from err
        if not isinstance(index, faiss.IndexIDMap2) or index.d != dimension:
            raise VectorStoreError(
                f"The vector index has type {type(index).__name__} and dimension {index.d}; "
                f"expected IndexIDMap2 of dimension {dimension}."
            )
        store = cls(dimension)
        store._index = index
        return store


def _empty_hits() -> Hits:
    return Hits(ids=np.zeros(0, dtype=np.int64), scores=np.zeros(0, dtype=np.float32))
