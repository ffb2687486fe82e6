"""Fit the assortment recommender: store similarity plus a pair classifier.

`fit_assortment` builds sparse store x product matrices, two store-similarity graphs (sales
profile and attributes) and a logistic classifier that turns leave-one-out evidence about a
(store, product) pair into the probability that the product belongs in the store's range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .features import Evidence, feature_names, pair_features
from .matrices import SalesMatrices, build_matrices
from .similarity import (
    AttributeEncoder,
    attribute_embedding,
    attribute_frame,
    fit_attribute_encoder,
    item_neighbours,
    sales_embedding,
    top_k_neighbours,
)

FEATURE_CELLS_PER_CHUNK = 2_000_000


@dataclass(frozen=True)
class AssortmentParams:
    carried_weeks: int = 26  # carried = sold in this many weeks before the latest date
    recent_weeks: int = 8  # drop candidates: (near) no sales in this many weeks
    neighbours: int = 20  # stores like yours
    item_neighbours: int = 50
    svd_dims: int = 32
    attr_weight: float = 0.4  # weight of attributes in the blended similarity (reasons, units)
    shrink: float = 2.0  # pseudo-stores pulling neighbour shares toward chain popularity
    max_train_pairs: int = 300_000
    regularisation: float = 1.0  # inverse strength (C) of the logistic classifier
    units_power: float = 0.0  # score = fit probability * expected units ** units_power
    drop_ratio: float = 0.25  # drop when selling below this share of the expected rate
    drop_max_recent_units: float = 1.0
    drop_min_carrying: int = 3
    random_state: int = 0


@dataclass(frozen=True)
class AssortmentModel:
    params: AssortmentParams
    matrices: SalesMatrices
    evidence: Evidence
    encoder: AttributeEncoder
    attr_features: np.ndarray  # (S, F) encoded attributes of the fitted stores (uncentred)
    attr_embedding: np.ndarray  # (S, F) centred, unit rows
    w_sales: sp.csr_matrix  # (S, S) top-k neighbours by sales profile
    w_attrs: sp.csr_matrix | None  # (S, S) top-k neighbours by attributes
    w_blend: sp.csr_matrix  # (S, S) top-k neighbours by the blended similarity
    classifier: Pipeline
    feature_names: tuple[str, ...]

    @property
    def store_ids(self) -> np.ndarray:
        return self.matrices.store_ids

    @property
    def product_ids(self) -> np.ndarray:
        return self.matrices.product_ids


def _store_effect(
    rate: sp.csr_matrix, carried: sp.csr_matrix
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Two-way log-rate decomposition: store effect, adjusted rates, product mean of adjusted."""
    log_rate = rate.copy().tocsr()
    log_rate.data = np.log(log_rate.data)
    count_p = np.asarray(carried.sum(axis=0)).ravel()
    mu_p = np.divide(
        np.asarray(log_rate.sum(axis=0)).ravel(),
        count_p,
        out=np.zeros(rate.shape[1]),
        where=count_p > 0,
    )
    coo = log_rate.tocoo()
    resid = coo.data - mu_p[coo.col]
    count_s = np.bincount(coo.row, minlength=rate.shape[0])
    eff = np.divide(
        np.bincount(coo.row, weights=resid, minlength=rate.shape[0]),
        count_s,
        out=np.zeros(rate.shape[0]),
        where=count_s > 0,
    )
    adj = sp.csr_matrix((coo.data - eff[coo.row], (coo.row, coo.col)), shape=rate.shape)
    prod = np.divide(
        np.asarray(adj.sum(axis=0)).ravel(), count_p, out=np.zeros(rate.shape[1]), where=count_p > 0
    )
    floor = prod[count_p > 0].min() - 1.0 if (count_p > 0).any() else 0.0
    prod = np.where(count_p > 0, prod, floor)  # never sold anywhere: below everything sold
    return eff, adj, prod


def _categories(product_ids: np.ndarray, products: pd.DataFrame | None) -> np.ndarray:
    if products is None or "category" not in products.columns:
        return np.zeros(len(product_ids), dtype=np.int64)
    table = products.assign(product_id=products["product_id"].astype(str))
    cats = table.drop_duplicates("product_id").set_index("product_id")["category"]
    values = cats.reindex(product_ids.astype(str)).fillna("?").astype(str)
    _, codes = np.unique(values.to_numpy(), return_inverse=True)
    return codes.astype(np.int64)


def _evidence(
    m: SalesMatrices, products: pd.DataFrame | None, p: AssortmentParams, attrs: bool
) -> Evidence:
    carried = m.carried
    category = _categories(m.product_ids, products)
    k = int(category.max()) + 1
    ind = sp.csr_matrix(
        (np.ones(category.size), (np.arange(category.size), category)), shape=(category.size, k)
    )
    own_category = np.asarray((carried @ ind).todense())
    size = np.bincount(category, minlength=k).astype(float)
    share = own_category.sum(axis=0) / np.maximum(size * carried.shape[0], 1.0)
    item_sim = item_neighbours(carried, p.item_neighbours)
    eff, adj, prod = _store_effect(m.rate, carried)
    return Evidence(
        carried=carried,
        carry_count=np.asarray(carried.sum(axis=0)).ravel(),
        category=category,
        category_size=size,
        category_share=share,
        own_category=own_category,
        item_sim=item_sim,
        item_sim_total=np.asarray(item_sim.sum(axis=0)).ravel(),
        adj_log_rate=adj,
        product_log_rate=prod,
        store_effect=eff,
        shrink=p.shrink,
        use_categories=k > 1,
        use_attributes=attrs,
    )


def fit_assortment(
    sales: pd.DataFrame,
    store_attrs: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    params: AssortmentParams | None = None,
) -> AssortmentModel:
    """Fit on `sales` (store_id, product_id, date, units) in the plain schema.

    `store_attrs`: store_id plus any attribute columns (categorical or numeric); `products`:
    product_id plus `category` (optional; products listed there become candidates even if they
    never sold). Deterministic for `params.random_state`.
    """
    p = params or AssortmentParams()
    extra = products["product_id"].astype(str) if products is not None else ()
    m = build_matrices(
        sales,
        carried_days=7 * p.carried_weeks,
        recent_days=7 * p.recent_weeks,
        extra_product_ids=extra,
    )
    encoder = fit_attribute_encoder(store_attrs)
    attr_features = encoder.transform(attribute_frame(m.store_ids, store_attrs))
    use_attrs = attr_features.shape[1] > 0 and len(m.store_ids) > 2
    attr_emb = attribute_embedding(attr_features)
    sales_emb = sales_embedding(m.rate, p.svd_dims, p.random_state)
    sim_sales = sales_emb @ sales_emb.T
    w_sales = top_k_neighbours(sim_sales, p.neighbours)
    w_attrs = top_k_neighbours(attr_emb @ attr_emb.T, p.neighbours) if use_attrs else None
    blend = (
        sim_sales
        if not use_attrs
        else (1 - p.attr_weight) * sim_sales + p.attr_weight * (attr_emb @ attr_emb.T)
    )
    w_blend = top_k_neighbours(blend, p.neighbours)
    ev = _evidence(m, products, p, use_attrs)
    names = tuple(feature_names(ev))
    x, y = _training_pairs(ev, w_sales, w_attrs, p)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=p.regularisation, max_iter=1000))
    if y.min() == y.max():  # degenerate: everything (or nothing) carried
        y = y.copy()
        y[0] = 1 - y[0]
    clf.fit(x, y)
    return AssortmentModel(
        params=p,
        matrices=m,
        evidence=ev,
        encoder=encoder,
        attr_features=attr_features,
        attr_embedding=attr_emb,
        w_sales=w_sales,
        w_attrs=w_attrs,
        w_blend=w_blend,
        classifier=clf,
        feature_names=names,
    )


def store_chunks(n_stores: int, n_products: int, n_features: int) -> list[np.ndarray]:
    size = max(1, FEATURE_CELLS_PER_CHUNK // max(1, n_products * n_features))
    return [np.arange(i, min(n_stores, i + size)) for i in range(0, n_stores, size)]


def _training_pairs(
    ev: Evidence, w_sales: sp.csr_matrix, w_attrs: sp.csr_matrix | None, p: AssortmentParams
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(p.random_state)
    n_s, n_p = ev.carried.shape
    per_store = min(n_p, max(1, p.max_train_pairs // n_s))
    xs, ys = [], []
    for rows in store_chunks(n_s, n_p, len(feature_names(ev))):
        feats = pair_features(
            ev,
            own=ev.carried[rows],
            w_sales=w_sales[rows],
            w_attrs=None if w_attrs is None else w_attrs[rows],
            store_effect=ev.store_effect[rows],
        )
        labels = np.asarray(ev.carried[rows].todense())
        for i in range(len(rows)):
            cols = np.arange(n_p) if per_store == n_p else rng.choice(n_p, per_store, replace=False)
            xs.append(feats[i, cols])
            ys.append(labels[i, cols])
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)
