"""The vector store chooses its index by size: exact when small, IVF when large.

Small corpora of random vectors stand in for big ones by lowering `exact_limit`; the
behaviour under test (which index, what is recorded, that search/remove/save still work)
does not depend on size. Recall is measured in benchmarks, not asserted here.
"""

from __future__ import annotations

import struct

import faiss
import numpy as np
import pytest

from embeddings import VectorStore, VectorStoreError
from embeddings.index_spec import IndexSpec, choose_spec


def unit_vectors(count: int, dimension: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=["float32", "float16", "int8", "int8+shortlist"])
def ivf_store(request: pytest.FixtureRequest) -> VectorStore:
    """1,000 vectors under ids 0, 3, 6, ... in an IVF index that probes every cell.

    Every IVF test runs once per way of storing the vectors, and once with a fast-scan
    shortlist in front of int8 lists (as large collections get).
    """
    vectors = unit_vectors(1000)
    codes, _, shortlist = request.param.partition("+")
    spec = IndexSpec(
        "ivf", nlist=16, nprobe=16, trained_on=1000, codes=codes, shortlist=50 if shortlist else 0
    )
    return VectorStore.build(np.arange(1000) * 3, vectors, spec=spec)


# ----- choosing -------------------------------------------------------------------------
def test_small_collections_get_the_exact_index() -> None:
    assert choose_spec(10) == IndexSpec()
    assert choose_spec(99_999).kind == "flat"
    assert (choose_spec(100_000).nlist, choose_spec(100_000).nprobe) == (512, 112)


def test_large_collections_get_int8_ivf_with_about_two_sqrt_n_cells() -> None:
    spec = choose_spec(1_000_000)

    assert spec.kind == "ivf"
    assert spec.nlist == 2048  # 2 * sqrt(1M) = 2000 -> nearest power of two
    assert spec.nprobe == 256  # 1/8 of the cells
    assert spec.trained_on == 1_000_000
    assert spec.codes == "int8"  # a quarter of float32's bytes, half its search time
    assert spec.shortlist == 200  # fast-scan candidates, ranked by the int8 vectors
    assert spec.factory == "IVF2048,SQ8,IP+PQ4fs-shortlist200"


def test_the_exact_limit_is_a_setting() -> None:
    assert choose_spec(500, exact_limit=400).kind == "ivf"
    assert choose_spec(500, exact_limit=600).kind == "flat"


def test_a_spec_survives_a_round_trip_through_a_dict() -> None:
    spec = IndexSpec("ivf", nlist=64, nprobe=8, trained_on=5000)

    assert IndexSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "hnsw"}, "kind must be one of flat, ivf; got 'hnsw'"),
        ({"kind": "ivf", "nlist": 8, "nprobe": 9}, "nprobe <= nlist; got nprobe=9, nlist=8"),
        ({"kind": "ivf", "nlist": 8, "nprobe": 0}, "1 <= nprobe"),
        (
            {"kind": "ivf", "nlist": 8, "nprobe": 1, "codes": "int4"},
            "codes must be one of float32, float16, int8 .*; got 'int4' for a 'ivf' index",
        ),
        ({"kind": "flat", "codes": "float16"}, "got 'float16' for a 'flat' index"),
        ({"kind": "flat", "shortlist": 10}, "only an IVF index has one; got 10 for a 'flat'"),
        ({"kind": "ivf", "nlist": 8, "nprobe": 1, "shortlist": -1}, "must be 0 or more"),
    ],
)
def test_bad_specs_are_refused_by_name(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(VectorStoreError, match=message):
        IndexSpec(**kwargs)  # type: ignore[arg-type]


def test_a_float32_spec_is_written_as_before_codes_existed() -> None:
    assert IndexSpec().to_dict() == {"kind": "flat", "nlist": 0, "nprobe": 0, "trained_on": 0}
    assert IndexSpec("ivf", nlist=64, nprobe=8, codes="int8").to_dict()["codes"] == "int8"


def test_a_spec_without_a_shortlist_is_written_as_before_shortlists_existed() -> None:
    plain = IndexSpec("ivf", nlist=64, nprobe=8, codes="int8")
    listed = IndexSpec("ivf", nlist=64, nprobe=8, codes="int8", shortlist=200)

    assert "shortlist" not in plain.to_dict()
    assert IndexSpec.from_dict(listed.to_dict()) == listed
    assert listed.factory == "IVF64,SQ8,IP+PQ4fs-shortlist200"


def test_a_spec_written_before_codes_existed_still_reads_as_float32() -> None:
    old = {"kind": "ivf", "nlist": 64, "nprobe": 8, "trained_on": 5000}

    assert IndexSpec.from_dict(old).codes == "float32"


def test_the_factory_name_says_how_vectors_are_stored() -> None:
    assert IndexSpec("ivf", nlist=64, nprobe=8).factory == "IVF64,Flat,IP"
    assert IndexSpec("ivf", nlist=64, nprobe=8, codes="float16").factory == "IVF64,SQfp16,IP"
    assert IndexSpec("ivf", nlist=64, nprobe=8, codes="int8").factory == "IVF64,SQ8,IP"


def test_unknown_spec_keys_are_refused() -> None:
    with pytest.raises(VectorStoreError, match="Unknown index settings: efSearch"):
        IndexSpec.from_dict({"kind": "flat", "efSearch": 64})


# ----- the exact store stays as it was --------------------------------------------------
def test_a_new_store_is_exact_and_says_so() -> None:
    store = VectorStore(16)

    assert store.spec.kind == "flat"
    assert store.index_type == VectorStore.index_type == "IDMap2,Flat,IP"


def test_the_constructor_refuses_an_untrained_ivf() -> None:
    with pytest.raises(VectorStoreError, match=r"VectorStore.build\(ids, vectors"):
        VectorStore(16, spec=IndexSpec("ivf", nlist=4, nprobe=1))


def test_an_automatic_store_turns_approximate_when_it_outgrows_exact_search() -> None:
    vectors = unit_vectors(600)
    store = VectorStore(16, exact_limit=500)
    store.add(range(400), vectors[:400])
    assert store.spec.kind == "flat"

    store.add(range(400, 600), vectors[400:])

    assert (store.spec.kind, store.spec.codes) == ("ivf", "int8")
    assert store.index_type == store.spec.factory
    assert sorted(store.ids().tolist()) == list(range(600))
    assert store.search(vectors[550], 1).ids.tolist() == [550]


def test_too_few_vectors_for_the_cells_is_a_clear_error() -> None:
    with pytest.raises(VectorStoreError, match="needs at least that many training vectors"):
        VectorStore.build(range(10), unit_vectors(10), spec=IndexSpec("ivf", nlist=32, nprobe=1))


# ----- IVF keeps the store's contract ---------------------------------------------------
def test_ivf_finds_each_stored_vector_first(ivf_store: VectorStore) -> None:
    vectors = unit_vectors(1000)

    for row in (0, 321, 999):
        assert ivf_store.search(vectors[row], 3).ids[0] == row * 3


def test_ivf_returns_stored_vectors_by_id(ivf_store: VectorStore) -> None:
    # float16 keeps about three significant digits; int8 is within half a step of 1/255
    # of each dimension's range (here about [-1, 1]).
    tolerance = {"float32": 1e-6, "float16": 1e-3, "int8": 5e-3}[ivf_store.spec.codes]
    np.testing.assert_allclose(ivf_store.vectors([30])[0], unit_vectors(1000)[10], atol=tolerance)
    with pytest.raises(VectorStoreError, match="No vector with id 31"):
        ivf_store.vectors([31])


def test_ivf_removes_by_id_and_ignores_unknown_ids(ivf_store: VectorStore) -> None:
    removed = ivf_store.remove([30, 31, 30])

    assert removed == 1
    assert len(ivf_store) == 999
    assert 30 not in ivf_store.search(unit_vectors(1000)[10], 5).ids.tolist()


def test_a_restricted_ivf_search_is_exact_over_the_allowed_ids(ivf_store: VectorStore) -> None:
    ivf_store.set_nprobe(1)  # the allowed ids may sit in cells a normal search skips
    vectors = unit_vectors(1000)
    allowed = [3 * row for row in range(0, 1000, 7)]
    expected = sorted(allowed, key=lambda i: -float(vectors[i // 3] @ vectors[5]))[:4]

    hits = ivf_store.search(vectors[5], 4, allowed=allowed)

    assert hits.ids.tolist() == expected


def test_a_restricted_search_over_many_ids_probes_lists_and_keeps_to_them(
    ivf_store: VectorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embeddings.store.EXACT_SUBSET_LIMIT", 10)  # take FAISS's path
    allowed = [3 * row for row in range(0, 1000, 2)]

    hits = ivf_store.search(unit_vectors(1000)[500], 20, allowed=allowed)

    assert hits.ids[0] == 1500  # the query itself, probed in every cell
    assert set(hits.ids.tolist()) <= set(allowed)
    assert len(hits) == 20


def test_ivf_survives_a_round_trip_through_bytes_with_its_settings(ivf_store: VectorStore) -> None:
    ivf_store.set_nprobe(4)
    ivf_store.remove([0])

    copy = VectorStore.from_bytes(ivf_store.to_bytes(), 16)

    assert (copy.spec.kind, copy.spec.nlist, copy.spec.nprobe) == ("ivf", 16, 4)
    assert copy.spec.codes == ivf_store.spec.codes
    assert copy.spec.shortlist == ivf_store.spec.shortlist
    assert copy.index_type == ivf_store.index_type
    assert sorted(copy.ids().tolist()) == sorted(ivf_store.ids().tolist())
    query = unit_vectors(1000)[77]
    assert copy.search(query, 5).ids.tolist() == ivf_store.search(query, 5).ids.tolist()
    assert copy.remove([3]) == 1


# ----- the shortlist ---------------------------------------------------------------------
@pytest.fixture
def listed_store() -> VectorStore:
    spec = IndexSpec("ivf", nlist=16, nprobe=4, trained_on=1000, codes="int8", shortlist=50)
    return VectorStore.build(np.arange(1000) * 3, unit_vectors(1000), spec=spec)


def test_shortlisted_scores_are_the_stored_vectors_inner_products(
    listed_store: VectorStore,
) -> None:
    query = unit_vectors(1000)[42]

    hits = listed_store.search(query, 10)

    np.testing.assert_allclose(hits.scores, listed_store.vectors(hits.ids) @ query, rtol=1e-5)
    assert list(hits.scores) == sorted(hits.scores, reverse=True)
    assert len(set(hits.ids.tolist())) == 10


def test_the_shortlist_forgets_removed_vectors_and_learns_added_ones(
    listed_store: VectorStore,
) -> None:
    vectors = unit_vectors(1001)
    listed_store.remove([42 * 3])
    listed_store.add([5000], vectors[1000:])

    assert 42 * 3 not in listed_store.search(vectors[42], 5).ids.tolist()
    assert listed_store.search(vectors[1000], 1).ids.tolist() == [5000]
    copy = VectorStore.from_bytes(listed_store.to_bytes(), 16)
    assert copy.search(vectors[1000], 1).ids.tolist() == [5000]
    assert 42 * 3 not in copy.search(vectors[42], 5).ids.tolist()


def test_nprobe_reaches_the_shortlist(listed_store: VectorStore) -> None:
    listed_store.set_nprobe(16)

    copy = VectorStore.from_bytes(listed_store.to_bytes(), 16)

    assert copy.spec.nprobe == 16 and copy.spec.shortlist == 50
    assert copy._fast.nprobe == 16


@pytest.mark.parametrize(
    ("forge", "message"),
    [
        (lambda data: data[:20], "cut short in its header"),
        (lambda data: data[:16] + b"\xff" * 8 + data[24:], "header is inconsistent"),
        (lambda data: data[:24] + b"\0\0\0\0" + data[28:], "header is inconsistent"),
        (lambda data: data[:-100], "cannot be read"),
        (lambda data: data[:24] + struct.pack("<I", 70_000) + data[28:], "inconsistent"),
    ],
)
def test_a_damaged_shortlist_container_is_refused_by_name(
    listed_store: VectorStore, forge: object, message: str
) -> None:
    data = forge(listed_store.to_bytes())  # type: ignore[operator]

    with pytest.raises(VectorStoreError, match=message):
        VectorStore.from_bytes(data, 16)


def test_a_shortlist_that_does_not_mirror_its_index_is_refused(listed_store: VectorStore) -> None:
    other = VectorStore.build(
        range(500),
        unit_vectors(500, seed=1),
        spec=IndexSpec("ivf", nlist=16, nprobe=4, codes="int8", shortlist=50),
    )
    main = faiss.serialize_index(listed_store._index).tobytes()
    fast = faiss.serialize_index(other._fast).tobytes()
    header = other.to_bytes()[:16]
    forged = header + struct.pack("<QI", len(main), 50) + main + fast

    with pytest.raises(VectorStoreError, match=r"shortlist .* does not match its main index"):
        VectorStore.from_bytes(forged, 16)


def test_a_shortlist_holding_other_ids_is_refused(listed_store: VectorStore) -> None:
    shifted = VectorStore.build(
        np.arange(1000) * 3 + 1,  # the same vectors and cells, other ids
        unit_vectors(1000),
        spec=IndexSpec("ivf", nlist=16, nprobe=4, codes="int8", shortlist=50),
    )
    shifted._fast.quantizer.reset()
    shifted._fast.quantizer.add(listed_store._index.quantizer.reconstruct_n(0, 16))
    main = faiss.serialize_index(listed_store._index).tobytes()
    fast = faiss.serialize_index(shifted._fast).tobytes()
    forged = listed_store.to_bytes()[:16] + struct.pack("<QI", len(main), 50) + main + fast

    with pytest.raises(VectorStoreError, match="does not match its main index"):
        VectorStore.from_bytes(forged, 16)


def test_a_shortlist_takes_its_main_index_nprobe_when_read(listed_store: VectorStore) -> None:
    listed_store._fast.nprobe = 10**9  # a forged value would make FAISS allocate wildly

    copy = VectorStore.from_bytes(listed_store.to_bytes(), 16)

    assert copy._fast.nprobe == copy.spec.nprobe == 4
    assert len(copy.search(unit_vectors(1000)[1], 3)) == 3


@pytest.mark.parametrize("dimension", [1, 3, 6, 10])
def test_a_shortlist_works_for_dimensions_four_does_not_divide(dimension: int) -> None:
    vectors = unit_vectors(300, dimension=dimension)
    spec = IndexSpec("ivf", nlist=4, nprobe=4, codes="int8", shortlist=20)

    store = VectorStore.build(range(300), vectors, spec=spec)

    assert store.search(vectors[7], 1).ids.tolist() == [7] or dimension < 3
    assert len(store.search(vectors[7], 5)) == 5


def test_nprobe_is_only_for_ivf() -> None:
    with pytest.raises(VectorStoreError, match="nprobe applies to an IVF index"):
        VectorStore(16).set_nprobe(4)


def test_a_search_leaves_faiss_thread_setting_as_it_found_it() -> None:
    store = VectorStore(16)
    store.add(range(50), unit_vectors(50))
    before = faiss.omp_get_max_threads()

    store.search(unit_vectors(1, seed=9)[0], 5)

    assert faiss.omp_get_max_threads() == before
