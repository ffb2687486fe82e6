"""Evidence a model reads its features from, built from (possibly masked) sales matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .cf import CFConfig, cf_scores
from .features import Evidence, group_counts
from .matrices import SalesMatrices
from .params import AssortmentParams
from .similarity import item_neighbours, sales_embedding, top_k_neighbours


@dataclass(frozen=True)
class Graphs:
    """Top-k neighbour graphs (S x S): by sales profile, by attributes, and blended."""

    w_sales: sp.csr_matrix
    w_attrs: sp.csr_matrix | None
    w_blend: sp.csr_matrix


def build_graphs(
    rate: sp.csr_matrix,
    attr_emb: np.ndarray,
    *,
    use_attrs: bool,
    neighbours: int,
    svd_dims: int,
    attr_weight: float,
    random_state: int,
) -> Graphs:
    sales_emb = sales_embedding(rate, svd_dims, random_state)
    sim_sales = sales_emb @ sales_emb.T
    w_sales = top_k_neighbours(sim_sales, neighbours)
    if not use_attrs:
        return Graphs(w_sales, None, w_sales)
    sim_attrs = attr_emb @ attr_emb.T
    blend = (1 - attr_weight) * sim_sales + attr_weight * sim_attrs
    return Graphs(
        w_sales, top_k_neighbours(sim_attrs, neighbours), top_k_neighbours(blend, neighbours)
    )


def store_effect(
    rate: sp.csr_matrix, carried: sp.csr_matrix
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray, float]:
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
    return eff, adj, prod, floor


def categories(product_ids: np.ndarray, products: pd.DataFrame | None) -> np.ndarray:
    if products is None or "category" not in products.columns:
        return np.zeros(len(product_ids), dtype=np.int64)
    table = products.assign(product_id=products["product_id"].astype(str))
    cats = table.drop_duplicates("product_id").set_index("product_id")["category"]
    values = cats.reindex(product_ids.astype(str)).fillna("?").astype(str)
    _, codes = np.unique(values.to_numpy(), return_inverse=True)
    return codes.astype(np.int64)


def build_evidence(
    m: SalesMatrices,
    products: pd.DataFrame | None,
    *,
    item_k: int,
    shrink: float,
    attrs: bool,
    item_dims: int | None = None,
    random_state: int = 0,
    item_sim: sp.csr_matrix | None = None,
    cf: CFConfig | None = None,
    groups: tuple[tuple[str, np.ndarray], ...] = (),
) -> Evidence:
    """`item_sim`: reuse these item neighbours instead of building them from `m` (see model).

    `cf`: also score every store x product with EASE and RP3beta under these settings.
    `groups`: (attribute name, store group codes), for the same-group share features.
    """
    carried = m.carried
    category = categories(m.product_ids, products)
    k = int(category.max()) + 1
    ind = sp.csr_matrix(
        (np.ones(category.size), (np.arange(category.size), category)), shape=(category.size, k)
    )
    own_category = np.asarray((carried @ ind).todense())
    size = np.bincount(category, minlength=k).astype(float)
    share = own_category.sum(axis=0) / np.maximum(size * carried.shape[0], 1.0)
    if item_sim is None:
        if item_k > 0:
            item_sim = item_neighbours(carried, item_k, dims=item_dims, random_state=random_state)
        else:  # no item-kNN feature (large catalogues: EASE carries that signal)
            item_sim = sp.csr_matrix(carried.shape[1:] * 2, dtype=np.float64)
    eff, adj, prod, floor = store_effect(m.rate, carried)
    norms = np.sqrt(np.asarray(carried.sum(axis=0)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    pair_weight = item_sim.copy().tocoo()
    pair_weight.data = inv[pair_weight.row] * inv[pair_weight.col]
    scores = cf_scores(carried, m.rate, cf) if cf is not None else None
    return Evidence(
        carried=carried,
        carry_count=np.asarray(carried.sum(axis=0)).ravel(),
        category=category,
        category_size=size,
        category_share=share,
        own_category=own_category,
        item_sim=item_sim,
        item_sim_total=np.asarray(item_sim.sum(axis=0)).ravel(),
        item_pair_weight=pair_weight.tocsr(),
        adj_log_rate=adj,
        product_log_rate=prod,
        adj_sum=np.asarray(adj.sum(axis=0)).ravel(),
        rate_floor=float(floor),
        store_effect=eff,
        shrink=shrink,
        use_categories=k > 1,
        use_attributes=attrs,
        use_item_knn=item_k > 0,
        ease=None if scores is None else scores.ease,
        rp3=None if scores is None else scores.rp3,
        knn=None if scores is None else scores.knn,
        groups=group_counts(carried, groups),
        knn_feature=scores is not None,
    )


def graphs_for(
    rate: sp.csr_matrix, attr_emb: np.ndarray, *, use_attrs: bool, params: AssortmentParams
) -> Graphs:
    """`build_graphs` with a model's settings (every copy, masked or not, is built alike)."""
    return build_graphs(
        rate,
        attr_emb,
        use_attrs=use_attrs,
        neighbours=params.neighbours,
        svd_dims=params.svd_dims,
        attr_weight=params.attr_weight,
        random_state=params.random_state,
    )


def evidence_for(
    m: SalesMatrices,
    products: pd.DataFrame | None,
    *,
    use_attrs: bool,
    params: AssortmentParams,
    cf: CFConfig | None,
    groups: tuple[tuple[str, np.ndarray], ...],
    item_sim: sp.csr_matrix | None = None,
) -> Evidence:
    """`build_evidence` with a model's settings."""
    return build_evidence(
        m,
        products,
        item_k=params.item_neighbours_for(m.carried.shape[1]),
        shrink=params.shrink,
        attrs=use_attrs,
        item_dims=params.item_svd_dims,
        random_state=params.random_state,
        item_sim=item_sim,
        cf=cf,
        groups=groups,
    )
