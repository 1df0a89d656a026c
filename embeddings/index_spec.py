"""Which FAISS index a vector store uses at a given size, and its settings.

A choice recorded with the index, so a saved store says what it is: exact search (a flat
index) for small collections, where it is fast and never wrong; an inverted-file index
(IVF) above `EXACT_LIMIT`, with int8 codes and a fast-scan shortlist, where exact search
would cost tens of milliseconds per query. `choose_spec` makes the choice;
`embeddings.store.VectorStore` builds and searches what it names.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from embeddings.errors import VectorStoreError

# Measured in benchmarks/scale.py on this repo's 2-core reference machine: exact search
# over 100k vectors of 384 dimensions costs ~5 ms per query on one thread, over 1M ~50 ms.
EXACT_LIMIT = 100_000
# An IVF store first shortlists this many candidates from 4-bit product-quantised copies
# of its vectors (FAISS fast-scan, searched in SIMD registers), then ranks them by its
# stored vectors. See choose_spec.
SHORTLIST = 200
IndexKind = Literal["flat", "ivf"]
INDEX_KINDS: tuple[str, ...] = ("flat", "ivf")
# How an IVF index stores each vector: float32 (1,536 B at 384-d), float16 (768 B) or int8
# (384 B: FAISS's SQ8, each dimension's trained min..max in 256 steps). Scanning the probed
# lists is bound by memory bandwidth, so fewer bytes is a faster search as well as a smaller
# one: at 1M vectors int8 halved the time of float32 for the same lists, and lost half a
# point of recall@10 against exact float32 search (docs/benchmarks.md).
Codes = Literal["float32", "float16", "int8"]
CODES: tuple[str, ...] = ("float32", "float16", "int8")


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
