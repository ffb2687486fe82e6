"""EASE, RP3beta and the validated blend, on matrices small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine.assortment.blend import (
    blend_scores,
    choose_weights,
    rank_share,
    weight_grid,
)
from recommendations.engine.assortment.cf import (
    StoreSpectrum,
    cf_input,
    ease_scores,
    ndcg_of_scores,
    rp3_scores,
    select_cf,
)


def _primal_ease(x: np.ndarray, lam: float) -> np.ndarray:
    """Steck's closed form over products: B = I - P / diag(P), P = (X'X + lam I)^-1."""
    p = np.linalg.inv(x.T @ x + lam * np.eye(x.shape[1]))
    b = np.eye(x.shape[1]) - p / np.diag(p)[None, :]
    assert np.allclose(np.diag(b), 0)
    return x @ b


@pytest.mark.parametrize("lam", [0.5, 4.0, 50.0])
def test_ease_through_the_stores_equals_the_primal_closed_form(lam: float) -> None:
    rng = np.random.default_rng(1)
    x = (rng.random((6, 15)) < 0.4) * rng.integers(1, 4, size=(6, 15))  # more products than stores
    x[:, 3] = 0  # a product nobody carries scores 0
    spec = StoreSpectrum.of(sp.csr_matrix(x.astype(float)))
    got = ease_scores(spec, lam)
    assert np.allclose(got, _primal_ease(x.astype(float), lam), atol=1e-9)
    assert np.allclose(got[:, 3], 0)
    assert np.allclose(ease_scores(spec, lam, np.array([4, 1])), got[[4, 1]])


def test_rp3beta_is_the_three_step_walk_over_degree_power() -> None:
    # s0 carries p0, p1; s1 carries p0, p2; s2 carries p2.
    x = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [0, 0, 1]], dtype=float))
    # s0 -> p0, p1 each 1/2; p0 -> {s0, s1} each 1/2, p1 -> s0; s0 -> p0, p1 and s1 -> p0, p2
    # each 1/2. p0: 1/2 (1/2 1/2 + 1/2 1/2) + 1/2 (1 1/2) = 1/2; p1: 1/2 (1/2 1/2) + 1/2 (1/2)
    # = 3/8; p2: 1/2 (1/2 1/2) = 1/8.
    walk = rp3_scores(x, alpha=1.0, beta=0.0, rows=np.array([0]))
    assert np.allclose(walk, [[0.5, 0.375, 0.125]])
    # beta divides by degree^beta: p0 and p2 are carried by 2 stores, p1 by 1.
    beta = rp3_scores(x, alpha=1.0, beta=1.0, rows=np.array([0]))
    assert np.allclose(beta, [[0.25, 0.375, 0.0625]])
    assert np.allclose(rp3_scores(x, 1.0, 0.5)[0], rp3_scores(x, 1.0, 0.5, np.array([0]))[0])


def test_velocity_input_is_log_units_where_carried() -> None:
    carried = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 1.0]]))
    rate = sp.csr_matrix(np.array([[3.0, 0.0], [0.5, 7.0]]))
    assert np.allclose(cf_input(carried, rate, "velocity").toarray(), np.log1p(rate.toarray()))
    assert np.allclose(cf_input(carried, rate, "carried").toarray(), carried.toarray())
    with pytest.raises(ValueError, match="unknown CF input"):
        cf_input(carried, rate, "clicks")


def test_ndcg_of_scores_skips_visible_pairs_and_stores_without_hidden_ones() -> None:
    scores = np.array([[0.9, 0.8, 0.1, 0.5], [0.1, 0.2, 0.3, 0.4]])
    visible = sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 0, 0]], dtype=float))
    hidden = sp.csr_matrix(np.array([[0, 0, 1, 0], [0, 0, 0, 0]], dtype=float))
    # Store 0 ranks p1, p3, p2 (p0 is visible): the hidden p2 is third, 1 / log2(4) = 0.5.
    assert ndcg_of_scores(scores, visible, hidden, k=3) == pytest.approx(0.5)
    assert ndcg_of_scores(scores, visible, hidden, k=2) == 0.0


def _blocks(seed: int) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Two kinds of store, each carrying its own block of products; one product hidden each."""
    rng = np.random.default_rng(seed)
    full = np.zeros((20, 30))
    full[:10, :15] = rng.random((10, 15)) < 0.8
    full[10:, 15:] = rng.random((10, 15)) < 0.8
    coo = sp.coo_matrix(full)
    hide = np.zeros(coo.nnz, dtype=bool)
    for r in range(full.shape[0]):  # one random carried product of each store
        hide[rng.choice(np.flatnonzero(coo.row == r))] = True
    hidden = sp.csr_matrix((np.ones(hide.sum()), (coo.row[hide], coo.col[hide])), shape=full.shape)
    visible = sp.csr_matrix(full) - hidden
    return visible, visible.copy(), hidden


def test_select_cf_finds_the_block_structure_and_is_deterministic() -> None:
    visible, rate, hidden = _blocks(0)
    config, tried = select_cf(visible, rate, hidden, random_state=0)
    again, _ = select_cf(visible, rate, hidden, random_state=0)
    assert config == again
    assert len(tried) == 2 * (6 + 8) + 4  # two inputs x (6 lambdas + 8 RP3beta), 4 kNN sizes
    best = ease_scores(StoreSpectrum.of(visible), config.ease_lambda)
    # The chosen EASE ranks every store's hidden product above every product of the other block.
    h = hidden.tocoo()
    other = np.where(h.row[:, None] < 10, best[h.row][:, 15:], best[h.row][:, :15])
    assert (best[h.row, h.col] > other.max(axis=1)).all()


def test_rank_share_and_weight_grid() -> None:
    assert rank_share(np.array([[0.2, 0.9, 0.5, 0.5]])).tolist() == [[0.75, 0.0, 0.25, 0.5]]
    grid = weight_grid(("a", "b", "c"))
    assert len(grid) == 15 and all(sum(w.values()) == pytest.approx(1) for w in grid)


def test_blend_weights_follow_the_component_that_ranks_the_hidden_pairs() -> None:
    visible, _, hidden = _blocks(1)
    truth = hidden.toarray()
    rng = np.random.default_rng(0)
    parts = {
        "classifier": rng.random(truth.shape),  # noise
        "ease": truth + 0.01 * rng.random(truth.shape),  # knows the answer
        "rp3beta": rng.random(truth.shape),
    }
    weights, tried = choose_weights([(parts, visible, hidden)])
    assert weights == {"classifier": 0.0, "ease": 1.0, "rp3beta": 0.0}
    assert max(tried.values()) == pytest.approx(1.0)
    # One component with all the weight ranks in its own order; a mix averages positions.
    assert np.array_equal(blend_scores(parts, weights), parts["ease"])
    mix = blend_scores(parts, {"classifier": 0.5, "ease": 0.5, "rp3beta": 0.0})
    expected = -(0.5 * rank_share(parts["classifier"]) + 0.5 * rank_share(parts["ease"]))
    assert np.allclose(mix, expected)


def test_blend_keeps_the_classifier_when_validation_cannot_tell_them_apart() -> None:
    visible, _, hidden = _blocks(2)
    truth = hidden.toarray()
    rng = np.random.default_rng(1)
    parts = {
        "classifier": truth + 0.01 * rng.random(truth.shape),  # as good as EASE
        "ease": truth + 0.01 * rng.random(truth.shape),
        "rp3beta": rng.random(truth.shape),
    }
    weights, _ = choose_weights([(parts, visible, hidden)])
    assert weights == {"classifier": 1.0, "ease": 0.0, "rp3beta": 0.0}


def test_store_knn_is_the_nearest_ranges_share() -> None:
    from recommendations.engine.assortment.cf import store_knn_scores

    # s0 = {p0, p1} is closest to s1 = {p0, p1, p2} (cosine 2 / sqrt 6), not to s2 = {p2} (0).
    x = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]], dtype=float))
    assert np.allclose(store_knn_scores(x, 1, np.array([0])), [[1.0, 1.0, 1.0]])
    both = store_knn_scores(x, 2)
    w1, w2 = 2 / np.sqrt(6), 1e-3  # weights clipped at a small floor
    assert np.allclose(both[0], [w1 / (w1 + w2), w1 / (w1 + w2), 1.0])
