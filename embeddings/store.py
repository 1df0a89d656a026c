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

import math
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import faiss
import numpy as np

from embeddings.errors import VectorStoreError

# Measured in benchmarks/scale.py on this repo's 2-core reference machine: exact search
# over 100k vectors of 384 dimensions costs ~5 ms per query on one thread, over 1M ~50 ms.
EXACT_LIMIT = 100_000
# An approximate index is retrained when the collection has grown this much since its
# k-means lists were fitted: lists fitted to a tenth of the data get long and slow.
RETRAIN_GROWTH = 4
# A restricted search (`allowed=`) over at most this many ids is done exactly on their
# stored vectors: cheaper than probing lists, and it never misses an allowed passage.
EXACT_SUBSET_LIMIT = 50_000
# k-means rounds when fitting IVF cells (FAISS's default is 25); see `_ivf_index`.
KMEANS_ROUNDS = 10
# An IVF store first shortlists this many candidates from 4-bit product-quantised copies
# of its vectors (FAISS fast-scan, searched in SIMD registers), then ranks them by its
# stored vectors. See choose_spec.
SHORTLIST = 200
MAX_SHORTLIST = 65_536  # a larger size read from a file is damage, not a setting
# A store with a shortlist is written as this header, then both FAISS indexes.
_CONTAINER = b"QA-VECTORSTORE-1"
_HEADER = struct.Struct("<QI")  # length of the main index's bytes, shortlist size

# IVF's id-to-entry map that still allows removal (faiss's type stubs lack DirectMap).
_HASHTABLE = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]

IndexKind = Literal["flat", "ivf"]
INDEX_KINDS: tuple[str, ...] = ("flat", "ivf")
# How an IVF index stores each vector: float32 (1,536 B at 384-d), float16 (768 B) or int8
# (384 B: FAISS's SQ8, each dimension's trained min..max in 256 steps). Scanning the probed
# lists is bound by memory bandwidth, so fewer bytes is a faster search as well as a smaller
# one: at 1M vectors int8 halved the time of float32 for the same lists, and lost half a
# point of recall@10 against exact float32 search (docs/benchmarks.md).
Codes = Literal["float32", "float16", "int8"]
CODES: tuple[str, ...] = ("float32", "float16", "int8")
_SCALAR_TYPES = {"float16": faiss.ScalarQuantizer.QT_fp16, "int8": faiss.ScalarQuantizer.QT_8bit}


@dataclass(frozen=True)
class IndexSpec:
    """Which FAISS index a store uses, and its settings.

    Attributes:
        kind: "flat" (exact) or "ivf" (approximate, inverted lists over k-means cells).
        nlist: number of k-means cells (ivf only).
        nprobe: cells searched per query (ivf only); more is slower and more exact.
        trained_on: how many vectors the cells were fitted to (ivf only).
        codes: how an IVF index stores vectors: "float32", "float16" or "int8" (ivf only;
            an exact index is always float32). `VectorStore.vectors` returns what is stored:
            float16-rounded, or int8-decoded (within ~1e-3 of the original per dimension).
        shortlist: 0, or (ivf only) how many candidates a search takes from a 4-bit
            fast-scan copy of the probed cells before ranking them by the stored vectors.
    """

    kind: IndexKind = "flat"
    nlist: int = 0
    nprobe: int = 0
    trained_on: int = 0
    codes: Codes = "float32"
    shortlist: int = 0

    def __post_init__(self) -> None:
        if self.kind not in INDEX_KINDS:
            raise VectorStoreError(
                f"Index kind must be one of {', '.join(INDEX_KINDS)}; got {self.kind!r}."
            )
        if self.kind == "ivf" and not 1 <= self.nprobe <= self.nlist:
            raise VectorStoreError(
                f"An IVF index needs 1 <= nprobe <= nlist; got nprobe={self.nprobe}, "
                f"nlist={self.nlist}."
            )
        if self.codes not in CODES or (self.kind == "flat" and self.codes != "float32"):
            raise VectorStoreError(
                f"Vector codes must be one of {', '.join(CODES)} (float32 for an exact "
                f"index); got {self.codes!r} for a {self.kind!r} index."
            )
        if self.shortlist < 0 or (self.kind == "flat" and self.shortlist):
            raise VectorStoreError(
                f"A shortlist must be 0 or more, and only an IVF index has one; got "
                f"{self.shortlist} for a {self.kind!r} index."
            )

    @property
    def factory(self) -> str:
        """The FAISS factory-style name, as recorded in a saved index's manifest."""
        if self.kind == "flat":
            return "IDMap2,Flat,IP"
        codes = {"float32": "Flat", "float16": "SQfp16", "int8": "SQ8"}[self.codes]
        shortlist = f"+PQ4fs-shortlist{self.shortlist}" if self.shortlist else ""
        return f"IVF{self.nlist},{codes},IP{shortlist}"

    @property
    def exact(self) -> bool:
        return self.kind == "flat"

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data; `codes` only when not float32, `shortlist` only
        when set.

        Leaving out the defaults keeps such a store's manifest exactly as versions before
        these settings wrote it, so those versions (which refuse unknown keys) can read it.
        """
        data = asdict(self)
        if self.codes == "float32":
            del data["codes"]
        if not self.shortlist:
            del data["shortlist"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexSpec:
        """The spec a `to_dict` wrote; unknown keys are refused with their names."""
        unknown = set(data) - {"kind", "nlist", "nprobe", "trained_on", "codes", "shortlist"}
        if unknown:
            raise VectorStoreError(f"Unknown index settings: {', '.join(sorted(unknown))}.")
        return cls(**data)


MIN_PROBES = 112  # cells searched per query by an IVF index of any size (see choose_spec)


def choose_spec(count: int, *, exact_limit: int = EXACT_LIMIT) -> IndexSpec:
    """The index for a collection of `count` vectors.

    Exact below `exact_limit`. Above it, IVF with about 2·sqrt(count) cells (a power of
    two), vectors stored as int8, 1/8 of the cells probed (at least 112), and a fast-scan
    shortlist of SHORTLIST candidates in front. On the hard synthetic vectors of
    benchmarks/scale.py (neighbours spread across cells), measured at 1M on an AVX2-only
    2-core machine: scanning the probed int8 lists directly took 13.1 ms for recall@10
    0.958 at 7/64 of the cells; with the shortlist, 7/64 took 2.3 ms (0.956) and 1/8
    2.4 ms (0.965), the shortlist losing no recall against the int8 lists it stands in
    front of. int8 lists are a quarter of float32's memory; the shortlist adds 48 B per
    vector. Smaller indexes probe at least 112 cells: at 100k (512 cells) 1/8 would give
    recall 0.89, 112 cells 0.959 in 0.8 ms. On clustered data far fewer probes would do.
    See docs/benchmarks.md.
    """
    if count < exact_limit:
        return IndexSpec()
    nlist = 1 << round(math.log2(2 * math.sqrt(count)))
    return IndexSpec(
        "ivf",
        nlist=nlist,
        nprobe=max(min(nlist, MIN_PROBES), nlist // 8),
        trained_on=count,
        codes="int8",
        shortlist=SHORTLIST,
    )


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
        self._index = _ivf_index(self.dimension, spec, sample)
        self._fast = _shortlist_index(self._index, sample) if spec.shortlist else None
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
        parts = [_cell_ids(self._index, cell) for cell in range(self._index.nlist)]
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
        return _CONTAINER + _HEADER.pack(len(main), self.spec.shortlist) + main + fast

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
        if data.startswith(_CONTAINER):
            data, fast_bytes, shortlist = _split_container(data)
            fast = _deserialise(fast_bytes)
        index = _deserialise(data)
        store = cls(dimension, exact_limit=exact_limit)
        codes = _ivf_codes(index)
        if fast is not None:
            _check_shortlist(fast, index, dimension, codes)
            store._fast = fast
        if codes is not None and index.d == dimension:
            # The cell count, nprobe and codes travel in the FAISS file; the training size
            # does not, so the current size stands in for it (retraining then waits for 4x).
            if index.direct_map.type != _HASHTABLE:
                index.set_direct_map_type(_HASHTABLE)
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


def _ivf_index(dimension: int, spec: IndexSpec, sample: np.ndarray) -> Any:
    """An empty IVF index whose cells are fitted to `sample` (a subset is enough)."""
    if sample.shape[0] < spec.nlist:
        raise VectorStoreError(
            f"An IVF index with {spec.nlist} cells needs at least that many training "
            f"vectors; got {sample.shape[0]}. Use an exact index for a collection this small."
        )
    # FAISS fits k-means on at most 256 points per cell anyway; sampling first saves memory.
    limit = 64 * spec.nlist
    if sample.shape[0] > limit:
        rows = np.random.default_rng(0).choice(sample.shape[0], limit, replace=False)
        sample = sample[np.sort(rows)]
    quantizer = faiss.IndexFlatIP(dimension)
    ivf: Any
    if spec.codes == "float32":
        ivf = faiss.IndexIVFFlat(quantizer, dimension, spec.nlist, faiss.METRIC_INNER_PRODUCT)
    else:
        # Not by residual: measured at 1M, encoding residuals gained no recall and cost
        # time, and without them a probed list is scanned without a per-list table.
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer,
            dimension,
            spec.nlist,
            _SCALAR_TYPES[spec.codes],
            faiss.METRIC_INNER_PRODUCT,
            False,
        )
    # Ten k-means rounds instead of FAISS's 25: measured at 1M (docs/benchmarks.md), the
    # later rounds move recall by under a point and cost most of the build.
    ivf.cp.niter = KMEANS_ROUNDS
    ivf.train(np.ascontiguousarray(sample))
    ivf.nprobe = spec.nprobe
    # IVF stores our ids itself (an IDMap2 around it would mis-map ids after a removal,
    # since IVF does not renumber); a hashtable direct map lets `vectors()` reconstruct by
    # id and still allows removal.
    ivf.set_direct_map_type(_HASHTABLE)
    ivf.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined]  # SWIG ownership, not in the stubs
    return ivf


def _shortlist_index(main: Any, sample: np.ndarray) -> Any:
    """A fast-scan product-quantised copy of IVF index `main`, over the same cells.

    One 4-bit code for every 4 dimensions (for fewer, when 4 does not divide the
    dimension); its cells are `main`'s centroids, so a probe means the same cells in both.
    """
    dimension = int(main.d)
    quantizer = faiss.IndexFlatIP(dimension)
    quantizer.add(main.quantizer.reconstruct_n(0, main.nlist))
    pieces = next(m for m in range(-(-dimension // 4), dimension + 1) if dimension % m == 0)
    fast = faiss.IndexIVFPQFastScan(
        quantizer, dimension, int(main.nlist), pieces, 4, faiss.METRIC_INNER_PRODUCT
    )
    fast.by_residual = False  # like `main`; and a probed list needs no per-list table
    fast.train(np.ascontiguousarray(sample))  # the cells are set: this trains the codes
    fast.nprobe = main.nprobe
    fast.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined]  # SWIG ownership, not in the stubs
    return fast


def _deserialise(data: bytes) -> Any:
    try:
        return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except Exception as err:
        raise VectorStoreError(f"The vector index cannot be read: {err}") from err


def _split_container(data: bytes) -> tuple[bytes, bytes, int]:
    """(main index bytes, shortlist index bytes, shortlist size) of a `to_bytes` container."""
    start = len(_CONTAINER) + _HEADER.size
    if len(data) < start:
        raise VectorStoreError("The vector index is cut short in its header.")
    length, shortlist = _HEADER.unpack_from(data, len(_CONTAINER))
    if not 0 < length < len(data) - start or not 1 <= shortlist <= MAX_SHORTLIST:
        raise VectorStoreError(
            f"The vector index's header is inconsistent (main index of {length} bytes in "
            f"{len(data)}, shortlist {shortlist})."
        )
    return data[start : start + length], data[start + length :], int(shortlist)


def _check_shortlist(fast: Any, main: Any, dimension: int, codes: Codes | None) -> None:
    """Refuse a shortlist index that does not mirror `main`: it would return wrong ids, or
    (with a forged coarse quantizer) crash inside FAISS. Then give it `main`'s nprobe."""
    same = (
        codes is not None
        and isinstance(fast, faiss.IndexIVFPQFastScan)
        and not fast.by_residual
        and fast.metric_type == faiss.METRIC_INNER_PRODUCT
        and fast.d == dimension == main.d
        and fast.nlist == main.nlist
        and fast.ntotal == main.ntotal
        and fast.quantizer.ntotal == main.quantizer.ntotal == main.nlist
    )
    if same:
        same = np.array_equal(
            fast.quantizer.reconstruct_n(0, fast.nlist), main.quantizer.reconstruct_n(0, main.nlist)
        ) and all(
            np.array_equal(np.sort(_cell_ids(fast, cell)), np.sort(_cell_ids(main, cell)))
            for cell in range(main.nlist)
        )
    if not same:
        raise VectorStoreError(
            f"The vector index's shortlist ({type(fast).__name__}, dimension {fast.d}, "
            f"{fast.ntotal} vectors) does not match its main index ({type(main).__name__}, "
            f"dimension {main.d}, {main.ntotal} vectors)."
        )
    fast.nprobe = main.nprobe


def _cell_ids(index: Any, cell: int) -> np.ndarray:
    """The ids stored in one cell of an IVF index (int8 lists and fast-scan blocks alike)."""
    lists = index.invlists
    size = lists.list_size(cell)
    if not size:
        return np.zeros(0, dtype=np.int64)
    return faiss.rev_swig_ptr(lists.get_ids(cell), size).copy()


def _ivf_codes(index: Any) -> Codes | None:
    """How a deserialised IVF index stores vectors; None if it is not an IVF we write."""
    if isinstance(index, faiss.IndexIVFFlat):
        return "float32"
    if isinstance(index, faiss.IndexIVFScalarQuantizer) and not index.by_residual:
        for codes, qtype in _SCALAR_TYPES.items():
            if index.sq.qtype == qtype:
                return codes  # type: ignore[return-value]
    return None


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
