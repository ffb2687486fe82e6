"""Pair features: why a store might carry (and sell) a product, from everything but that pair.

Every feature of a (store, product) pair is computed without the store's own record of that
product (leave-one-out), so the classifier trained on the pairs a store visibly carries sees
the same evidence it will see for a product the store does not carry yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import scipy.sparse as sp

EPS = 1e-6


@dataclass(frozen=True)
class Evidence:
    """The fitted matrices the features are read from (S stores, P products, K categories)."""

    carried: sp.csr_matrix  # (S, P) 0/1
    carry_count: np.ndarray  # (P,) stores carrying each product
    category: np.ndarray  # (P,) category code
    category_size: np.ndarray  # (K,) products per category
    category_share: np.ndarray  # (K,) chain-wide share of (store, product) pairs carried
    own_category: np.ndarray  # (S, K) products of each category each store carries
    item_sim: sp.csr_matrix  # (P, P) top-k item cosine, no diagonal
    item_sim_total: np.ndarray  # (P,) column sums of item_sim
    item_pair_weight: sp.csr_matrix  # like item_sim, 1 / (norm_p norm_j): one store's share
    adj_log_rate: sp.csr_matrix  # (S, P) log weekly units minus the store effect, where carried
    product_log_rate: np.ndarray  # (P,) mean adjusted log rate over carriers (fallback)
    adj_sum: np.ndarray  # (P,) column sums of adj_log_rate
    rate_floor: float  # adjusted log rate assumed for a product nobody (else) sells
    store_effect: np.ndarray  # (S,)
    shrink: float
    use_categories: bool
    use_attributes: bool
    use_item_knn: bool = True
    # Collaborative-filtering scores (S, P) float32 of the fitted stores (cf.py); None: not used.
    ease: np.ndarray | None = None
    rp3: np.ndarray | None = None
    knn: np.ndarray | None = None  # user-user (store) kNN share, a blend component only
    # Store groups by categorical attribute (neighbourhood, city, ...): name, each store's group
    # code (S,) (-1: unknown), and the carried count of each product per group (L, P).
    groups: tuple[tuple[str, np.ndarray, np.ndarray], ...] = ()
    knn_feature: bool = False  # store kNN also a classifier feature (False in older pickles)

    @property
    def n_stores(self) -> int:
        return int(self.carried.shape[0])


def feature_names(ev: Evidence) -> list[str]:
    names = ["popularity", "similar_sales_share"]
    if ev.use_attributes:
        names.append("similar_attrs_share")
    names += [f"same_{name}_share" for name, _, _ in getattr(ev, "groups", ())]
    if ev.use_categories:
        names.append("own_category_propensity")
        names.append("similar_sales_category_propensity")
        if ev.use_attributes:
            names.append("similar_attrs_category_propensity")
    names.append("own_range_size")
    if ev.use_item_knn:
        names.append("item_knn")
    names += ["product_rate", "expected_rate"]
    if ev.ease is not None:
        names.append("ease")
    if ev.rp3 is not None:
        names.append("rp3beta")
    if ev.knn is not None and getattr(ev, "knn_feature", False):
        names.append("store_knn")
    return names


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def neighbour_share(
    ev: Evidence,
    weights: sp.csr_matrix,
    popularity: np.ndarray,
    carrying: np.ndarray | None = None,
) -> np.ndarray:
    """Similarity-weighted share of the neighbours carrying each product, shrunk to popularity.

    `carrying`: `weights @ ev.carried` (dense) when the caller already has it.
    """
    num = _dense(weights @ ev.carried) if carrying is None else carrying
    den = np.asarray(weights.sum(axis=1)).ravel()[:, None]
    return (num + ev.shrink * popularity) / (den + ev.shrink)


def expected_log_rate(
    ev: Evidence,
    weights: sp.csr_matrix,
    store_effect: np.ndarray,
    fallback: np.ndarray | None = None,
    carrying: np.ndarray | None = None,
) -> np.ndarray:
    """Log weekly units the store would sell: neighbours' adjusted rates plus its own effect.

    Where no neighbour carries the product, `fallback` (n, P) or the chain's mean is used.
    `carrying`: `weights @ ev.carried` (dense) when the caller already has it.
    """
    num = _dense(weights @ ev.adj_log_rate)
    den = _dense(weights @ ev.carried) if carrying is None else carrying
    base = np.divide(num, den, out=num, where=den > 0)
    alt = ev.product_log_rate[None, :] if fallback is None else fallback
    base = np.where(den > 0, base, alt)
    base += store_effect[:, None]
    return base


def _dense(x: sp.spmatrix | np.ndarray) -> np.ndarray:
    # scipy is untyped, so issparse() cannot narrow: the cast states what it checked.
    return cast(sp.spmatrix, x).toarray() if sp.issparse(x) else np.asarray(x)


def pair_feature_columns(
    ev: Evidence,
    *,
    rows: np.ndarray | None,
    w_sales: sp.csr_matrix,
    w_attrs: sp.csr_matrix | None,
    store_effect: np.ndarray,
) -> list[np.ndarray]:
    """The features of `pair_features`, one (n, P) array per feature (no (n, P, F) copy)."""
    own = None if rows is None else ev.carried[rows]
    n = w_sales.shape[0]
    n_p = ev.carried.shape[1]
    c_own = np.zeros((n, n_p)) if own is None else own.toarray()
    s = ev.n_stores
    if own is None:
        pop = (ev.carry_count[None, :] + 0.5) / (s + 1.0)
    else:
        pop = (ev.carry_count[None, :] - c_own + 0.5) / s
    sales_carrying = _dense(w_sales @ ev.carried)
    cols = [_logit(pop), _logit(neighbour_share(ev, w_sales, pop, sales_carrying))]
    if ev.use_attributes:
        assert w_attrs is not None
        cols.append(_logit(neighbour_share(ev, w_attrs, pop)))
    for _, codes, counts in getattr(ev, "groups", ()):
        cols.append(_logit(_group_share(ev, codes, counts, rows, c_own, pop)))
    if own is None:
        own_cat = np.zeros((n, ev.category_size.size))
    else:
        own_cat = (own @ _category_indicator(ev)).toarray()
    cat = ev.category
    g = np.clip(ev.category_share, 1e-3, None)
    m = 2.0
    if ev.use_categories:
        loo = (own_cat[:, cat] - c_own + m * g[cat]) / (ev.category_size[cat] - 1 + m)
        cols.append(np.log(np.clip(loo, 1e-3, None) / g[cat]))
        cols.append(_category_ratio(ev, w_sales)[:, cat])
        if ev.use_attributes:
            assert w_attrs is not None
            cols.append(_category_ratio(ev, w_attrs)[:, cat])
    range_size = (c_own.sum(axis=1, keepdims=True) - c_own + 1.0) / (n_p + 1.0)
    cols.append(_logit(range_size))
    if ev.use_item_knn:
        if own is None:
            knn = np.zeros((n, n_p))
        else:
            # The store's own co-occurrences are taken out of the item similarities.
            own_share = c_own * _dense(own @ ev.item_pair_weight)
            knn = _dense(own @ ev.item_sim) - own_share
            knn = np.clip(knn, 0.0, None) / np.maximum(ev.item_sim_total, EPS)
        cols.append(np.log(knn + 0.01))
    if rows is None:
        product_rate = np.broadcast_to(ev.product_log_rate[None, :], (n, n_p))
    else:
        own_adj = ev.adj_log_rate[rows].toarray()
        others = ev.carry_count[None, :] - c_own
        product_rate = np.where(
            others > 0,
            (ev.adj_sum[None, :] - own_adj) / np.maximum(others, 1.0),
            ev.rate_floor,
        )
    cols.append(product_rate)
    cols.append(expected_log_rate(ev, w_sales, store_effect, product_rate, sales_carrying))
    if ev.ease is not None:
        cols.append(np.zeros((n, n_p)) if rows is None else ev.ease[rows].astype(np.float64))
    if ev.rp3 is not None:
        cols.append(np.zeros((n, n_p)) if rows is None else _log_relative(ev.rp3[rows]))
    if ev.knn is not None and getattr(ev, "knn_feature", False):
        knn_share = pop if rows is None else (ev.knn[rows] + 0.1 * pop) / 1.1
        cols.append(_logit(knn_share))
    return cols


def _group_share(
    ev: Evidence,
    codes: np.ndarray,
    counts: np.ndarray,
    rows: np.ndarray | None,
    c_own: np.ndarray,
    pop: np.ndarray,
) -> np.ndarray:
    """Share of the other stores of the store's group carrying each product, shrunk to `pop`.

    A store of unknown group (or a new store, `rows` None) gets `pop`.
    """
    if rows is None:
        return np.broadcast_to(pop, c_own.shape)
    g = codes[rows]
    known = g >= 0
    size = np.bincount(codes[codes >= 0], minlength=counts.shape[0]).astype(np.float64)
    num = np.where(known[:, None], counts[np.maximum(g, 0)] - c_own, 0.0)
    den = np.where(known, size[np.maximum(g, 0)] - 1.0, 0.0)[:, None]
    return (num + ev.shrink * pop) / (den + ev.shrink)


def group_counts(
    carried: sp.csr_matrix, groups: tuple[tuple[str, np.ndarray], ...]
) -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """For each (name, store group codes): the carried count of every product per group."""
    out = []
    for name, codes in groups:
        n_g = int(codes.max()) + 1 if codes.size and codes.max() >= 0 else 0
        known = np.flatnonzero(codes >= 0)
        ind = sp.csr_matrix(
            (np.ones(known.size), (codes[known], known)), shape=(n_g, carried.shape[0])
        )
        out.append((name, codes, np.asarray((ind @ carried).todense())))
    return tuple(out)


def _log_relative(score: np.ndarray) -> np.ndarray:
    """log of a non-negative score over its row's maximum (the walk's scale is per store)."""
    top = np.maximum(score.max(axis=1, keepdims=True), 1e-30)
    return np.log(score.astype(np.float64) / top + 1e-4)


def pair_features(
    ev: Evidence,
    *,
    rows: np.ndarray | None,
    w_sales: sp.csr_matrix,
    w_attrs: sp.csr_matrix | None,
    store_effect: np.ndarray,
) -> np.ndarray:
    """Features (n, P, F) for fitted stores `rows` (None: one new store, cold start)."""
    cols = pair_feature_columns(
        ev, rows=rows, w_sales=w_sales, w_attrs=w_attrs, store_effect=store_effect
    )
    return np.stack(cols, axis=2).astype(np.float32)


def _category_indicator(ev: Evidence) -> sp.csr_matrix:
    n_p, k = ev.category.size, ev.category_size.size
    return sp.csr_matrix((np.ones(n_p), (np.arange(n_p), ev.category)), shape=(n_p, k))


def _category_ratio(ev: Evidence, weights: sp.csr_matrix) -> np.ndarray:
    """Log of the neighbours' carried share of each category over the chain's share (n, K)."""
    num = np.asarray(weights @ ev.own_category)
    den = np.asarray(weights.sum(axis=1)).ravel()[:, None] * ev.category_size[None, :]
    g = np.clip(ev.category_share, 1e-3, None)
    share = (num + 2.0 * g) / (den + 2.0)
    return np.log(np.clip(share, 1e-3, None) / g)
