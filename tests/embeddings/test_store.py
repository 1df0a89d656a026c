"""VectorStore: exact inner-product search by caller-chosen ids; never a padding id."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import VectorStore, VectorStoreError

EAST, NORTH, UP = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
NORTH_EAST = (0.6, 0.8, 0.0)


def vectors(*rows: tuple[float, float, float]) -> np.ndarray:
    return np.array(rows, dtype=np.float32)


@pytest.fixture
def compass() -> VectorStore:
    """Ids 10, 20, 30, 40 pointing east, north, up and north-east."""
    store = VectorStore(3)
    store.add([10, 20, 30, 40], vectors(EAST, NORTH, UP, NORTH_EAST))
    return store


def test_search_returns_ids_best_first_with_inner_products(compass: VectorStore) -> None:
    hits = compass.search(np.array(NORTH, dtype=np.float32), 2)

    assert hits.ids.tolist() == [20, 40]
    assert hits.scores.tolist() == pytest.approx([1.0, 0.8])
    assert hits.ids.dtype == np.int64 and hits.scores.dtype == np.float32


def test_asking_for_more_than_stored_returns_what_is_stored_and_no_padding(
    compass: VectorStore,
) -> None:
    hits = compass.search(np.array(EAST, dtype=np.float32), 50)

    assert len(hits) == 4
    assert sorted(hits.ids.tolist()) == [10, 20, 30, 40]


def test_an_empty_store_finds_nothing() -> None:
    assert len(VectorStore(3).search(np.array(EAST, dtype=np.float32), 5)) == 0


def test_search_can_be_limited_to_allowed_ids(compass: VectorStore) -> None:
    hits = compass.search(np.array(EAST, dtype=np.float32), 5, allowed=[20, 40])

    assert hits.ids.tolist() == [40, 20]


@pytest.mark.parametrize("allowed", [[], [99], [99, 100, 101, 102, 103]])
def test_allowing_nothing_stored_finds_nothing(compass: VectorStore, allowed: list[int]) -> None:
    assert len(compass.search(np.array(NORTH, dtype=np.float32), 5, allowed=allowed)) == 0


def test_removed_ids_are_never_found_again(compass: VectorStore) -> None:
    assert compass.remove([20, 99]) == 1

    hits = compass.search(np.array(NORTH, dtype=np.float32), 10)

    assert 20 not in hits.ids.tolist()
    assert len(compass) == 3
    assert compass.ids().tolist() == [10, 30, 40]


def test_removing_nothing_removes_nothing(compass: VectorStore) -> None:
    assert compass.remove([]) == 0
    assert len(compass) == 4


def test_stored_vectors_can_be_read_back_by_id(compass: VectorStore) -> None:
    np.testing.assert_allclose(compass.vectors([40, 10]), vectors(NORTH_EAST, EAST))


def test_reading_an_unknown_id_is_refused(compass: VectorStore) -> None:
    with pytest.raises(VectorStoreError, match=r"No vector with id 42 in the store\."):
        compass.vectors([10, 42])


def test_a_single_vector_may_be_added_as_one_row(compass: VectorStore) -> None:
    compass.add([50], np.array(UP, dtype=np.float32))

    assert compass.ids().tolist() == [10, 20, 30, 40, 50]


def test_adding_an_id_that_is_already_stored_is_refused(compass: VectorStore) -> None:
    with pytest.raises(VectorStoreError, match="already"):
        compass.add([10], vectors(NORTH))


# ----- serialisation --------------------------------------------------------------------
def test_a_store_survives_a_round_trip_through_bytes(compass: VectorStore) -> None:
    compass.remove([30])

    copy = VectorStore.from_bytes(compass.to_bytes(), 3)

    query = np.array(NORTH, dtype=np.float32)
    assert copy.ids().tolist() == [10, 20, 40]
    assert copy.search(query, 5).ids.tolist() == compass.search(query, 5).ids.tolist()
    assert copy.vectors([40]).tolist() == compass.vectors([40]).tolist()


def test_bytes_that_are_not_an_index_are_refused() -> None:
    with pytest.raises(VectorStoreError, match=r"The vector index cannot be read"):
        VectorStore.from_bytes(b"definitely not faiss", 3)


def test_an_index_of_another_dimension_is_refused_naming_both() -> None:
    message = r"has type IndexIDMap2 and dimension 4; expected .*of dimension 3\."
    with pytest.raises(VectorStoreError, match=message):
        VectorStore.from_bytes(VectorStore(4).to_bytes(), 3)


# ----- refusals ---------------------------------------------------------------------------
def test_a_dimension_below_one_is_refused() -> None:
    with pytest.raises(VectorStoreError, match=r"dimension must be at least 1, got 0\."):
        VectorStore(0)


def test_vectors_of_another_dimension_are_refused(compass: VectorStore) -> None:
    message = r"Expected vectors of dimension 3, got shape \(1, 4\)\."
    with pytest.raises(VectorStoreError, match=message):
        compass.add([50], np.ones((1, 4), dtype=np.float32))
    with pytest.raises(VectorStoreError, match=message):
        compass.search(np.ones(4, dtype=np.float32), 1)


def test_ids_and_vectors_must_pair_up(compass: VectorStore) -> None:
    with pytest.raises(VectorStoreError, match=r"Got 2 ids for 1 vectors; they must match\."):
        compass.add([50, 60], vectors(UP))


def test_negative_ids_are_refused(compass: VectorStore) -> None:
    with pytest.raises(VectorStoreError, match=r"Vector ids must be non-negative\."):
        compass.add([-1], vectors(UP))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_vectors_are_refused(compass: VectorStore, bad: float) -> None:
    with pytest.raises(VectorStoreError, match=r"Vectors contain NaN or infinite values\."):
        compass.add([50], vectors((bad, 0.0, 0.0)))


def test_k_below_one_is_refused(compass: VectorStore) -> None:
    with pytest.raises(VectorStoreError, match=r"k must be at least 1, got 0\."):
        compass.search(np.array(EAST, dtype=np.float32), 0)
