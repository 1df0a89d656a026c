"""The IVF indexes a vector store is made of: fitted, with their fast-scan shortlist, and
checked when read back.

Kept apart from `embeddings.store` because this is FAISS's side of the store: which index
classes, how they are trained and owned across SWIG, and what a file read from disk must
match before its ids can be trusted. The store decides when; this builds and checks.
"""

from __future__ import annotations

import struct
from typing import Any

import faiss
import numpy as np

from embeddings.errors import VectorStoreError
from embeddings.index_spec import Codes, IndexSpec

MAX_SHORTLIST = 65_536  # a larger size read from a file is damage, not a setting
# A store with a shortlist is written as this header, then both FAISS indexes.
CONTAINER = b"QA-VECTORSTORE-1"
HEADER = struct.Struct("<QI")  # length of the main index's bytes, shortlist size
# k-means rounds when fitting IVF cells (FAISS's default is 25); see `ivf_index`.
KMEANS_ROUNDS = 10
# IVF's id-to-entry map that still allows removal (faiss's type stubs lack DirectMap).
HASHTABLE = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]
_SCALAR_TYPES = {"float16": faiss.ScalarQuantizer.QT_fp16, "int8": faiss.ScalarQuantizer.QT_8bit}


def ivf_index(dimension: int, spec: IndexSpec, sample: np.ndarray) -> Any:
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
    ivf.set_direct_map_type(HASHTABLE)
    ivf.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined]  # SWIG ownership, not in the stubs
    return ivf


def shortlist_index(main: Any, sample: np.ndarray) -> Any:
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


def check_shortlist(fast: Any, main: Any, dimension: int, codes: Codes | None) -> None:
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
            np.array_equal(np.sort(cell_ids(fast, cell)), np.sort(cell_ids(main, cell)))
            for cell in range(main.nlist)
        )
    if not same:
        raise VectorStoreError(
            f"The vector index's shortlist ({type(fast).__name__}, dimension {fast.d}, "
            f"{fast.ntotal} vectors) does not match its main index ({type(main).__name__}, "
            f"dimension {main.d}, {main.ntotal} vectors)."
        )
    fast.nprobe = main.nprobe


def cell_ids(index: Any, cell: int) -> np.ndarray:
    """The ids stored in one cell of an IVF index (int8 lists and fast-scan blocks alike)."""
    lists = index.invlists
    size = lists.list_size(cell)
    if not size:
        return np.zeros(0, dtype=np.int64)
    return faiss.rev_swig_ptr(lists.get_ids(cell), size).copy()


def ivf_codes(index: Any) -> Codes | None:
    """How a deserialised IVF index stores vectors; None if it is not an IVF we write."""
    if isinstance(index, faiss.IndexIVFFlat):
        return "float32"
    if isinstance(index, faiss.IndexIVFScalarQuantizer) and not index.by_residual:
        for codes, qtype in _SCALAR_TYPES.items():
            if index.sq.qtype == qtype:
                return codes  # type: ignore[return-value]
    return None


def join_container(main: bytes, fast: bytes, shortlist: int) -> bytes:
    """A store with a shortlist as one file: the header, then both FAISS indexes."""
    return CONTAINER + HEADER.pack(len(main), shortlist) + main + fast


def is_container(data: bytes) -> bool:
    return data.startswith(CONTAINER)


def split_container(data: bytes) -> tuple[bytes, bytes, int]:
    """(main index bytes, shortlist index bytes, shortlist size) of a `to_bytes` container."""
    start = len(CONTAINER) + HEADER.size
    if len(data) < start:
        raise VectorStoreError("The vector index is cut short in its header.")
    length, shortlist = HEADER.unpack_from(data, len(CONTAINER))
    if not 0 < length < len(data) - start or not 1 <= shortlist <= MAX_SHORTLIST:
        raise VectorStoreError(
            f"The vector index's header is inconsistent (main index of {length} bytes in "
            f"{len(data)}, shortlist {shortlist})."
        )
    return data[start : start + length], data[start + length :], int(shortlist)
