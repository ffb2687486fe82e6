"""Assortment building blocks: row-wise top-k and item neighbours, on hand-computable cases."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommendations.engine.assortment.similarity import item_neighbours, row_top_k


def test_row_top_k_breaks_ties_by_lower_column() -> None:
    block = np.array([[3.0, 1.0, 3.0, 2.0, 3.0], [0.0, 5.0, 1.0, 1.0, 1.0]], dtype=np.float32)
    idx, vals = row_top_k(block, 2)
    # Row 0: three 3s, the two lowest columns win; row 1: 5, then the first of the 1s.
    assert idx.tolist() == [[0, 2], [1, 2]]
    assert vals.tolist() == [[3.0, 3.0], [5.0, 1.0]]


def test_row_top_k_matches_a_full_sort() -> None:
    rng = np.random.default_rng(0)
    block = rng.integers(0, 5, size=(40, 101)).astype(np.float32)
    idx, _ = row_top_k(block, 7)
    for i in range(block.shape[0]):
        expected = np.lexsort((np.arange(block.shape[1]), -block[i]))[:7]
        assert idx[i].tolist() == sorted(expected.tolist())


def test_item_neighbours_are_the_cosine_over_stores() -> None:
    # Stores x products: p0 and p1 are carried by the same two stores (cosine 1), p2 shares one
    # of them (cosine 1 / sqrt(2)), p3 is carried by a store no one else uses (cosine 0).
    carried = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], dtype=float))
    sim = item_neighbours(carried, k=1).toarray()
    assert np.allclose(sim[0], [0, 1, 0, 0])  # p1 beats p2
    assert np.allclose(sim[2], [1 / np.sqrt(2), 0, 0, 0])  # tie p0 / p1: lower column
    assert np.allclose(sim[3], 0)  # no similar product: no edge (never the diagonal)
    full = item_neighbours(carried, k=3).toarray()
    assert np.allclose(full, full.T) and np.allclose(np.diag(full), 0)


def test_low_rank_item_neighbours_are_exact_when_the_rank_fits() -> None:
    # Rank-2 ranges over 6 stores: 2 SVD dimensions reproduce the exact cosine neighbours.
    a = np.array([1, 1, 1, 0, 0, 0], dtype=float)
    b = np.array([0, 0, 0, 1, 1, 1], dtype=float)
    carried = sp.csr_matrix(np.column_stack([a, a, b, b, a, b]))
    exact = item_neighbours(carried, k=2).toarray()
    low = item_neighbours(carried, k=2, dims=2, random_state=0).toarray()
    assert np.allclose(exact, low, atol=1e-5)
    assert np.allclose(exact[0], [0, 1, 0, 0, 1, 0])
