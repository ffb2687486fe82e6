"""Fit the assortment recommender: store similarity plus a pair classifier.

`fit_assortment` builds sparse store x product matrices, two store-similarity graphs (sales
profile and attributes), the collaborative-filtering scores (EASE, RP3beta, store kNN) and a
logistic classifier trained on masked copies of the ranges (and, where validation prefers it,
a gradient-boosted one ranking the candidate pool), then chooses the rank blend of them on a
validation copy (training.py, blend.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .blend import choose_weights, validation_parts
from .cf import CFConfig
from .evidence import evidence_for, graphs_for
from .features import Evidence, feature_names
from .matrices import SalesMatrices, build_matrices
from .params import AssortmentParams
from .similarity import (
    AttributeEncoder,
    attribute_embedding,
    attribute_frame,
    attribute_groups,
    fit_attribute_encoder,
)
from .training import Examples, masked_training_pairs, store_chunks


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
    cf_config: CFConfig | None = None  # EASE / RP3beta settings chosen on the validation split
    cf_validation: dict[str, float] = field(default_factory=dict)
    # Weights of the final rank blend (blend.py) and the validation NDCG@10 of every candidate.
    blend_weights: dict[str, float] = field(default_factory=lambda: {"classifier": 1.0})
    blend_validation: dict[str, float] = field(default_factory=dict)
    # The gradient-boosted classifier that ranks the candidate pool instead of the linear one,
    # when validation preferred it (None: the linear one serves; also in older pickles).
    booster: HistGradientBoostingClassifier | None = None
    # The validation NDCG@10 of the blend chosen with each learner ("linear", "booster").
    learner_validation: dict[str, float] = field(default_factory=dict)

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
    attr_frame = attribute_frame(m.store_ids, store_attrs)
    attr_features = encoder.transform(attr_frame)
    groups = attribute_groups(encoder, attr_frame)
    use_attrs = attr_features.shape[1] > 0 and len(m.store_ids) > 2
    attr_emb = attribute_embedding(attr_features)
    graphs = graphs_for(m.rate, attr_emb, use_attrs=use_attrs, params=p)
    train = masked_training_pairs(
        m, products, attr_emb, use_attrs=use_attrs, params=p, groups=groups
    )
    cf_config, cf_validation = train.cf_config, train.cf_validation
    clf = _fit_classifier(train.examples, p)
    weights: dict[str, float] = {"classifier": 1.0}
    tried: dict[str, float] = {}
    use_booster = False
    own_booster = None
    learner_validation: dict[str, float] = {}
    used = [v for v in train.validations if v.evidence.ease is not None and v.rows.size]
    if used:
        linear_copies, boosted_copies = [], []
        try_booster = bool(p.booster and p.pool_size) and all(
            v.examples.y.size <= p.booster_max_rows for v in used
        )
        for v in used:
            own = v.examples is train.examples
            booster_v = None
            if try_booster:
                booster_v = _fit_booster(v.examples, p)
                own_booster = booster_v if own else own_booster
            linear, boosted = validation_parts(
                v.evidence,
                v.graphs.w_sales,
                v.graphs.w_attrs,
                clf if own else _fit_classifier(v.examples, p),
                v.rows,
                p.pool_size,
                booster_v,
            )
            linear_copies.append((linear, v.visible, v.hidden))
            if boosted is not None:
                boosted_copies.append((boosted, v.visible, v.hidden))
        rows = [v.rows for v in used]
        weights, tried = choose_weights(linear_copies, rows)
        learner_validation["linear"] = _chosen_mean(weights, tried)
        if boosted_copies:
            # The same weight choice with the booster as the classifier component; it serves
            # only if the blend it leads to scores higher on the validation copies.
            b_weights, b_tried = choose_weights(boosted_copies, rows)
            learner_validation["booster"] = _chosen_mean(b_weights, b_tried)
            if learner_validation["booster"] > learner_validation["linear"]:
                use_booster, weights, tried = True, b_weights, b_tried
        del linear_copies, boosted_copies
    booster = None
    if use_booster:
        booster = own_booster if own_booster is not None else _fit_booster(train.examples, p)
    item_sim = train.examples.item_sim
    del train  # the masked copies' matrices are not needed any more
    # The item neighbours are not rebuilt on the full data: the model reuses those of the final
    # classifier's first masked copy (90% of the carried pairs). Nothing leaks: they were built
    # without the hidden pairs, like every other training feature, and at serving time there is
    # no label to leak. It saves the costliest step, and the classifier sees the same item
    # similarities it was trained on.
    ev = evidence_for(
        m,
        products,
        use_attrs=use_attrs,
        params=p,
        cf=cf_config,
        groups=groups,
        item_sim=item_sim,
    )
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
        cf_config=cf_config,
        cf_validation=cf_validation,
        blend_weights=weights,
        blend_validation=tried,
        booster=booster,
        learner_validation=learner_validation,
    )


def _fit_classifier(ex: Examples, p: AssortmentParams) -> Pipeline:
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=p.regularisation, max_iter=1000))
    x, y, w = ex.x, ex.y, ex.w
    if y.min() == y.max():  # degenerate: nothing hidden or nothing left to tell apart
        x, y, w = np.vstack([x, x[:1]]), np.r_[y, 1 - y[:1]], np.r_[w, w[:1]]
    clf.fit(x, y, logisticregression__sample_weight=w)
    return clf


def _chosen_mean(weights: dict[str, float], tried: dict[str, float]) -> float:
    return tried[",".join(f"{n}={v:g}" for n, v in weights.items())]


def _fit_booster(ex: Examples, p: AssortmentParams) -> HistGradientBoostingClassifier:
    """Gradient boosting on the same examples (the pool's pairs) and sample weights.

    It can form what the linear model cannot: interactions (a high store-kNN share means more
    for a rare product than for a popular one) and thresholds. Kept cheap: at most
    `booster_max_rows` rows (a seeded subsample beyond), early stopping on a tenth of them.
    """
    x, y, w = ex.x, ex.y, ex.w
    rng = np.random.default_rng(p.random_state)
    if y.size > p.booster_max_rows:
        pick = np.sort(rng.choice(y.size, p.booster_max_rows, replace=False))
        x, y, w = x[pick], y[pick], w[pick]
    if y.min() == y.max():
        x, y, w = np.vstack([x, x[:1]]), np.r_[y, 1 - y[:1]], np.r_[w, w[:1]]
    booster = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=p.booster_max_iter,
        max_leaf_nodes=7,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=y.size >= 2_000,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=p.random_state,
    )
    booster.fit(x, y, sample_weight=w)
    return booster


__all__ = ["AssortmentModel", "AssortmentParams", "fit_assortment", "store_chunks"]
