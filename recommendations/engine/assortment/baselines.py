"""Baseline scorers the recommender is measured against (store x product score matrices)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .matrices import SalesMatrices
from .similarity import item_neighbours, top_k_neighbours


def popularity(m: SalesMatrices) -> np.ndarray:
    """Share of stores carrying the product (same for every store)."""
    share = np.asarray(m.carried.sum(axis=0)).ravel() / m.carried.shape[0]
    return np.broadcast_to(share, m.carried.shape).copy()


def popularity_by_sales(m: SalesMatrices) -> np.ndarray:
    """Total weekly units over all stores (same for every store)."""
    total = np.asarray(m.rate.sum(axis=0)).ravel()
    return np.broadcast_to(total, m.carried.shape).copy()


def item_knn(m: SalesMatrices, k: int = 50) -> np.ndarray:
    """Sum of cosine similarities (over stores) to the products the store carries."""
    sim = item_neighbours(m.carried, k)
    return np.asarray((m.carried @ sim).todense())


def store_knn(m: SalesMatrices, k: int = 20) -> np.ndarray:
    """Similarity-weighted share of the k most similar ranges (cosine) carrying the product."""
    c = m.carried
    norms = np.sqrt(np.asarray(c.sum(axis=1)).ravel())
    inv = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))
    cn = inv @ c
    sim = np.asarray((cn @ cn.T).todense())
    w = top_k_neighbours(sim, k)
    den = np.asarray(w.sum(axis=1)).ravel()[:, None]
    return np.asarray((w @ c).todense()) / np.maximum(den, 1e-12)


BASELINES = {
    "popularity": popularity,
    "popularity_by_sales": popularity_by_sales,
    "item_knn": item_knn,
    "store_knn": store_knn,
}
