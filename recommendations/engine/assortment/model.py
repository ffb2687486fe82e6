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

from .evidence import build_evidence, build_graphs
from .features import Evidence, feature_names
from .matrices import SalesMatrices, build_matrices
from .similarity import (
    AttributeEncoder,
    attribute_embedding,
    attribute_frame,
    fit_attribute_encoder,
)
from .training import masked_training_pairs, store_chunks


@dataclass(frozen=True)
class AssortmentParams:
    carried_weeks: int = 26  # carried = sold in this many weeks before the latest date
    recent_weeks: int = 8  # drop candidates: (near) no sales in this many weeks
    neighbours: int = 20  # stores like yours
    item_neighbours: int = 50
    item_svd_dims: int | None = 64  # item cosine on this many SVD dims (None: exact)
    svd_dims: int = 32
    attr_weight: float = 0.4  # weight of attributes in the blended similarity (reasons, units)
    shrink: float = 2.0  # pseudo-stores pulling neighbour shares toward chain popularity
    max_train_pairs: int = 300_000
    mask_fraction: float = 0.1  # share of carried pairs hidden to make training examples
    mask_rounds: int = 2
    enough_positives: int = 20_000  # no further masking rounds once this many hidden pairs
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
    graphs = build_graphs(
        m.rate,
        attr_emb,
        use_attrs=use_attrs,
        neighbours=p.neighbours,
        svd_dims=p.svd_dims,
        attr_weight=p.attr_weight,
        random_state=p.random_state,
    )
    x, y, masked_item_sim = masked_training_pairs(
        m, products, attr_emb, use_attrs=use_attrs, params=p
    )
    # The item neighbours are not rebuilt on the full data: the model reuses those of the first
    # masked copy (90% of the carried pairs). Nothing leaks: they were built without the hidden
    # pairs, like every other training feature, and at serving time there is no label to leak.
    # It halves the costliest step, and the classifier sees the same item similarities it was
    # trained on.
    ev = build_evidence(
        m,
        products,
        item_k=p.item_neighbours,
        shrink=p.shrink,
        attrs=use_attrs,
        item_dims=p.item_svd_dims,
        random_state=p.random_state,
        item_sim=masked_item_sim,
    )
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=p.regularisation, max_iter=1000))
    if y.min() == y.max():  # degenerate: nothing hidden or nothing left to tell apart
        x, y = np.vstack([x, x[:1]]), np.r_[y, 1 - y[:1]]
    clf.fit(x, y)
    return AssortmentModel(
        params=p,
        matrices=m,
        evidence=ev,
        encoder=encoder,
        attr_features=attr_features,
        attr_embedding=attr_emb,
        w_sales=graphs.w_sales,
        w_attrs=graphs.w_attrs,
        w_blend=graphs.w_blend,
        classifier=clf,
        feature_names=tuple(feature_names(ev)),
    )


__all__ = ["AssortmentModel", "AssortmentParams", "fit_assortment", "store_chunks"]
