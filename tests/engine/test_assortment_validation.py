"""The validation split of the assortment fit: what it hides, who learns from what."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine.assortment import (
    AssortmentParams,
    build_matrices,
    fit_assortment,
    training,
)
from recommendations.engine.assortment.blend import candidate_pool, choose_weights
from recommendations.engine.assortment.similarity import (
    attribute_embedding,
    attribute_frame,
    attribute_groups,
    fit_attribute_encoder,
)
from recommendations.engine.assortment.synthetic import ChainSpec, make_chain

SPEC = ChainSpec(stores=30, products=300, range_share=0.2, weeks=30, seed=5)


@pytest.fixture(scope="module")
def chain():  # type: ignore[no-untyped-def]
    return make_chain(SPEC)


def _inputs(chain, params):  # type: ignore[no-untyped-def]
    m = build_matrices(
        chain.sales, carried_days=7 * params.carried_weeks, recent_days=7 * params.recent_weeks
    )
    enc = fit_attribute_encoder(chain.stores)
    frame = attribute_frame(m.store_ids, chain.stores)
    emb = attribute_embedding(enc.transform(frame))
    return m, emb, attribute_groups(enc, frame)


@pytest.mark.parametrize("refit", [False, True])
def test_the_validation_pairs_are_in_no_copy_the_validation_classifier_learns_from(
    chain, monkeypatch, refit: bool
) -> None:  # type: ignore[no-untyped-def]
    params = AssortmentParams(random_state=3, refit_classifier=refit, max_validation_copies=2)
    m, emb, groups = _inputs(chain, params)
    current: list[sp.csr_matrix] = []
    learned_from: dict[int, list[sp.csr_matrix]] = {}  # id(examples) -> carried of each masking
    real_evidence, real_examples = training.evidence_for, training._examples

    def evidence_spy(mm, *args, **kwargs):  # type: ignore[no-untyped-def]
        current.append(mm.carried.copy())
        return real_evidence(mm, *args, **kwargs)

    def examples_spy(base, *args, **kwargs):  # type: ignore[no-untyped-def]
        current.clear()
        out = real_examples(base, *args, **kwargs)
        learned_from[id(out)] = list(current)
        return out

    monkeypatch.setattr(training, "evidence_for", evidence_spy)
    monkeypatch.setattr(training, "_examples", examples_spy)
    train = training.masked_training_pairs(
        m, chain.products, emb, use_attrs=True, params=params, groups=groups
    )
    assert len(train.validations) == 2  # a 30 x 300 chain gets two independent copies
    first, second = train.validations
    assert first.hidden.multiply(second.hidden).nnz < 0.2 * first.hidden.nnz  # independent draws
    for v in train.validations:
        # The validation copy is the training data with ~10% of the carried pairs hidden.
        assert np.array_equal((v.visible + v.hidden).toarray(), m.carried[v.rows].toarray())
        assert v.visible.multiply(v.hidden).nnz == 0
        assert 0.07 < v.hidden.nnz / m.carried[v.rows].nnz < 0.13
        hidden_full = sp.lil_matrix(m.carried.shape)
        hidden_full[v.rows] = v.hidden
        hidden_full = hidden_full.tocsr()
        # Every masked copy its classifier learns from, and its own evidence, hold not a single
        # one of its hidden pairs ...
        copies = learned_from[id(v.examples)]
        assert copies and all(c.multiply(hidden_full).nnz == 0 for c in copies)
        assert v.evidence.carried.multiply(hidden_full).nnz == 0
        if refit:
            # ... only the final classifier's, maskings of all the data, do.
            final = learned_from[id(train.examples)]
            assert train.examples is not v.examples
            assert final and all(c.multiply(hidden_full).nnz > 0 for c in final)
    if not refit:
        assert train.examples is first.examples
    # The classifier's examples are hidden (label 1) or not-carried (label 0) pairs of those
    # copies, each negative weighted for the share of negatives it stands for.
    ex = first.examples
    assert set(np.unique(ex.y)) == {0, 1}
    assert (ex.w > 0).all() and np.allclose(ex.w[ex.y == 1], 1.0)


def test_sampled_negatives_stand_for_all_the_negatives() -> None:
    rng = np.random.default_rng(0)
    negatives = np.arange(0, 1000, 2)
    score = np.arange(1000.0)  # the higher the product index, the "harder"
    picked, weight = training._pick_negatives(negatives, score, 60, 10, rng)
    assert picked.size == 60 and np.all(np.diff(picked) > 0)
    assert set(negatives[-10:]) <= set(picked)  # the 10 hardest are always in
    assert np.allclose(weight[np.isin(picked, negatives[-10:])], 1.0)
    # 50 random picks stand for the 490 other negatives: weights sum to all 500.
    assert weight.sum() == pytest.approx(negatives.size)
    assert np.allclose(weight[~np.isin(picked, negatives[-10:])], 490 / 50)


def _blocks() -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """20 stores x 40 products; each store carries 10, 4 of them hidden."""
    rng = np.random.default_rng(7)
    vis = np.zeros((20, 40))
    hid = np.zeros((20, 40))
    for i in range(20):
        own = rng.choice(40, 10, replace=False)
        vis[i, own[:6]] = 1
        hid[i, own[6:]] = 1
    return sp.csr_matrix(vis), sp.csr_matrix(hid)


@pytest.mark.parametrize("winner", ["store_knn", "popularity", "rp3beta"])
def test_a_component_that_clearly_wins_validation_gets_all_the_weight(winner: str) -> None:
    visible, hidden = _blocks()
    truth = hidden.toarray()
    rng = np.random.default_rng(2)
    names = ("classifier", "ease", "rp3beta", "store_knn", "popularity")
    parts = {n: rng.random(truth.shape) for n in names}
    parts[winner] = truth + 0.01 * rng.random(truth.shape)
    weights, tried = choose_weights([(parts, visible, hidden)])
    assert weights == {n: float(n == winner) for n in names}
    assert tried[",".join(f"{n}={float(n == winner):g}" for n in names)] == pytest.approx(1.0)


def test_the_candidate_pool_is_each_scorers_top_and_never_a_visible_product(chain) -> None:  # type: ignore[no-untyped-def]
    params = AssortmentParams(random_state=0, pool_size=15)
    model = fit_assortment(chain.sales, chain.stores, chain.products, params)
    ev = model.evidence
    rows = np.arange(5)
    visible = ev.carried[rows].toarray() > 0
    pool = candidate_pool(ev, rows, visible, 15)
    assert not (pool & visible).any()
    assert ev.ease is not None and ev.knn is not None
    for score in (ev.ease[rows], ev.knn[rows]):
        masked = np.where(visible, -np.inf, score)
        kth = -np.sort(-masked, axis=1)[:, 14]
        assert (pool | (masked < kth[:, None])).all()  # everything above the 15th is pooled
    assert (pool.sum(axis=1) >= 15).all()
    assert (pool.sum(axis=1) < (~visible).sum(axis=1)).all()


def test_a_store_on_several_validation_copies_counts_once() -> None:
    visible, hidden = _blocks()
    truth = hidden.toarray()
    rng = np.random.default_rng(4)
    parts = {
        "classifier": truth * rng.random(truth.shape) + rng.random(truth.shape),
        "ease": truth * rng.random(truth.shape) + rng.random(truth.shape),
    }
    rows = np.arange(truth.shape[0])
    once = choose_weights([(parts, visible, hidden)], [rows])
    # The same copy twice is no new evidence: same means, same standard errors, same pick.
    twice = choose_weights([(parts, visible, hidden)] * 2, [rows, rows])
    assert twice[0] == once[0]
    assert twice[1] == pytest.approx(once[1])


def test_a_model_pickled_before_the_new_features_still_ranks(chain) -> None:  # type: ignore[no-untyped-def]

    from recommendations.engine.assortment import recommend

    model = fit_assortment(chain.sales, chain.stores, chain.products, AssortmentParams())
    assert "store_knn" in model.feature_names and "same_neighbourhood_share" in model.feature_names
    # An older model: its evidence has no group counts and no store-kNN feature, its classifier
    # was trained without them. The features it is served with must match it.
    ev = replace(model.evidence, groups=(), knn_feature=False)
    old_names = [n for n in model.feature_names if n != "store_knn" and not n.startswith("same_")]
    keep = [model.feature_names.index(n) for n in old_names]
    clf = model.classifier
    lr = clf.steps[1][1]
    sc = clf.steps[0][1]
    lr.coef_ = lr.coef_[:, keep]
    sc.mean_, sc.scale_, sc.var_ = sc.mean_[keep], sc.scale_[keep], sc.var_[keep]
    sc.n_features_in_ = lr.n_features_in_ = len(keep)
    old = replace(model, evidence=ev, feature_names=tuple(old_names))
    recs = recommend(old, ["S0"], k=5, drop_k=0)
    assert len(recs) == 5


@pytest.mark.parametrize("booster_wins", [False, True])
def test_the_booster_serves_only_when_its_blend_wins_validation(
    chain, monkeypatch, booster_wins: bool
) -> None:  # type: ignore[no-untyped-def]
    from recommendations.engine.assortment import model as model_module
    from recommendations.engine.assortment.blend import store_pool
    from recommendations.engine.assortment.recommend import recommend, score_stores

    real_choose, real_fit = model_module.choose_weights, model_module._fit_booster
    calls: list[int] = []
    fitted: list[object] = []

    def choose_spy(copies, stores):  # type: ignore[no-untyped-def]
        # First call: the linear classifier's copies, second: the booster's. Their real choice,
        # with the mean NDCG moved so that the one the test wants wins.
        weights, tried = real_choose(copies, stores)
        calls.append(len(copies))
        key = ",".join(f"{n}={v:g}" for n, v in weights.items())
        is_booster = len(calls) == 2
        tried = dict(tried)
        tried[key] = 0.6 if is_booster == booster_wins else 0.5
        return weights, tried

    def fit_spy(ex, p):  # type: ignore[no-untyped-def]
        out = real_fit(ex, p)
        fitted.append(ex)
        return out

    monkeypatch.setattr(model_module, "choose_weights", choose_spy)
    monkeypatch.setattr(model_module, "_fit_booster", fit_spy)
    params = AssortmentParams(random_state=0, booster=True, max_validation_copies=2)
    model = fit_assortment(chain.sales, chain.stores, chain.products, params)
    assert calls == [2, 2]  # both learners scored on the same two validation copies
    assert model.learner_validation == {
        "linear": 0.6 if not booster_wins else 0.5,
        "booster": 0.6 if booster_wins else 0.5,
    }
    rows = np.arange(4)
    pool = store_pool(model.evidence, rows, params.pool_size)
    assert pool is not None
    prob, _ = score_stores(model, rows, pool)
    linear_model = replace(model, booster=None)
    linear_prob, _ = score_stores(linear_model, rows, pool)
    # Outside the pool the linear classifier's probability is served either way.
    assert np.array_equal(prob[~pool], linear_prob[~pool])
    if booster_wins:
        assert model.booster is not None
        assert len(fitted) == 3  # one booster per validation copy, one on all the data
        assert not np.allclose(prob[pool], linear_prob[pool])
        assert len(recommend(model, ["S0", "S1"], k=5, drop_k=0)) == 10
    else:
        assert model.booster is None
        assert len(fitted) == 2  # only the validation copies' boosters, never a final one
        assert np.array_equal(prob, linear_prob)


def test_beyond_its_row_budget_no_booster_is_fitted(chain, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from recommendations.engine.assortment import model as model_module

    def never(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a booster was fitted")

    monkeypatch.setattr(model_module, "_fit_booster", never)
    for params in (AssortmentParams(booster=False), AssortmentParams(booster_max_rows=100)):
        model = fit_assortment(chain.sales, chain.stores, chain.products, params)
        assert model.booster is None and set(model.learner_validation) == {"linear"}
