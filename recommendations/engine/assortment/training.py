"""Training pairs that look exactly like the evaluation (and real) situation.

A random share of each store's carried products is hidden — all their sales removed — and the
evidence (neighbour graphs, item similarities, rates) is rebuilt without them. The classifier
then learns to tell the hidden products (label 1) from the products the store really does not
carry (label 0), from features computed on the masked data, so no feature can peek at the label.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .cf import CFConfig, select_cf, validation_rows
from .evidence import Graphs, build_evidence, build_graphs
from .features import Evidence, feature_names, pair_feature_columns
from .matrices import SalesMatrices
from .params import AssortmentParams

FEATURE_CELLS_PER_CHUNK = 4_000_000


def store_chunks(n_stores: int, n_products: int, n_features: int) -> list[np.ndarray]:
    size = max(1, FEATURE_CELLS_PER_CHUNK // max(1, n_products * n_features))
    return [np.arange(i, min(n_stores, i + size)) for i in range(0, n_stores, size)]


def mask_matrices(m: SalesMatrices, keep: sp.csr_matrix) -> SalesMatrices:
    """The matrices as if the pairs outside `keep` (0/1, like carried) had never sold."""
    return replace(
        m,
        carried=m.carried.multiply(keep).tocsr(),
        rate=m.rate.multiply(keep).tocsr(),
        recent_units=m.recent_units.multiply(keep).tocsr(),
    )


@dataclass(frozen=True)
class ValidationCopy:
    """The first masked copy: its evidence, and the validation stores' visible / hidden pairs."""

    evidence: Evidence
    graphs: Graphs
    rows: np.ndarray  # validation stores
    visible: sp.csr_matrix  # (len(rows), P)
    hidden: sp.csr_matrix  # (len(rows), P)


@dataclass(frozen=True)
class TrainingSet:
    """Examples for the classifier, and what the first masked copy taught besides them."""

    x: np.ndarray  # (n, F) float32 features
    y: np.ndarray  # (n,) 1 = hidden carried pair, 0 = not carried
    w: np.ndarray  # (n,) sample weights: 1 / the chance a pair of its kind was sampled
    item_sim: sp.csr_matrix | None  # item neighbours of the first masked copy
    cf_config: CFConfig | None  # EASE / RP3beta settings chosen on the first masked copy
    cf_validation: dict[str, float] = field(default_factory=dict)  # NDCG@10 of each candidate
    validations: list[ValidationCopy] = field(default_factory=list)  # one per masking round


def masked_training_pairs(
    m: SalesMatrices,
    products: pd.DataFrame | None,
    attr_emb: np.ndarray,
    *,
    use_attrs: bool,
    params: AssortmentParams,
    groups: tuple[tuple[str, np.ndarray], ...] = (),
) -> TrainingSet:
    """Features and labels from `params.mask_rounds` independent maskings of the carried pairs.

    The first masked copy is also the validation split of the collaborative-filtering scorers:
    their settings are the ones that best rank its hidden pairs (`cf.select_cf`), and every
    round's features then use them. The item neighbours of that copy are kept too, for the
    fitted model to reuse (see `fit_assortment`): they are the costliest part of the evidence.
    """
    p = params
    rng = np.random.default_rng(p.random_state)
    n_s, n_p = m.carried.shape
    rounds = p.mask_rounds
    neg_per_store = max(1, p.max_train_pairs // max(1, n_s * rounds))
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    coo = m.carried.tocoo()
    positives_seen = 0
    first_item_sim: sp.csr_matrix | None = None
    cf_config: CFConfig | None = None
    cf_validation: dict[str, float] = {}
    validations: list[ValidationCopy] = []
    for _ in range(rounds):
        if positives_seen >= p.enough_positives:
            break  # big chains: one masking already gives plenty of examples
        hide = rng.random(coo.nnz) < p.mask_fraction
        keep = sp.csr_matrix(
            (np.ones(int((~hide).sum())), (coo.row[~hide], coo.col[~hide])), shape=m.carried.shape
        )
        hidden = sp.csr_matrix(
            (np.ones(int(hide.sum())), (coo.row[hide], coo.col[hide])), shape=m.carried.shape
        )
        mm = mask_matrices(m, keep)
        if p.collaborative and cf_config is None and hidden.nnz:
            cf_config, cf_validation = select_cf(
                mm.carried,
                mm.rate,
                hidden,
                max_stores=p.validation_stores_for(n_p),
                random_state=p.random_state,
            )
        graphs = build_graphs(
            mm.rate,
            attr_emb,
            use_attrs=use_attrs,
            neighbours=p.neighbours,
            svd_dims=p.svd_dims,
            attr_weight=p.attr_weight,
            random_state=p.random_state,
        )
        ev = build_evidence(
            mm,
            products,
            item_k=p.item_neighbours_for(m.carried.shape[1]),
            shrink=p.shrink,
            attrs=use_attrs,
            item_dims=p.item_svd_dims,
            random_state=p.random_state,
            cf=cf_config,
            groups=groups,
        )
        if first_item_sim is None:
            first_item_sim = ev.item_sim
        rows_v = validation_rows(hidden, p.validation_stores_for(n_p), p.random_state)
        validations.append(
            ValidationCopy(
                evidence=ev,
                graphs=graphs,
                rows=rows_v,
                visible=mm.carried[rows_v],
                hidden=hidden[rows_v],
            )
        )
        # What ranks a negative "hard": the EASE score when there is one, else popularity.
        hard_score = ev.ease if ev.ease is not None else np.broadcast_to(ev.carry_count, (n_s, n_p))
        for rows in store_chunks(n_s, n_p, len(feature_names(ev))):
            feats = pair_feature_columns(
                ev,
                rows=rows,
                w_sales=graphs.w_sales[rows],
                w_attrs=None if graphs.w_attrs is None else graphs.w_attrs[rows],
                store_effect=ev.store_effect[rows],
            )
            visible = mm.carried[rows].toarray() > 0
            pos = hidden[rows].toarray() > 0
            picked = []
            for i in range(len(rows)):
                positives = np.flatnonzero(pos[i])
                negatives = np.flatnonzero(~visible[i] & ~pos[i])
                neg_w = np.ones(negatives.size)
                if negatives.size > neg_per_store:
                    negatives, neg_w = _pick_negatives(
                        negatives, hard_score[rows[i]], neg_per_store, p.hard_negatives, rng
                    )
                picked.append(i * n_p + np.concatenate([positives, negatives]))
                positives_seen += positives.size
                ys.append(np.r_[np.ones(positives.size), np.zeros(negatives.size)])
                ws.append(np.r_[np.ones(positives.size), neg_w])
            flat = np.concatenate(picked)
            xs.append(np.stack([f.reshape(-1)[flat] for f in feats], axis=1).astype(np.float32))
    return TrainingSet(
        x=np.concatenate(xs),
        y=np.concatenate(ys).astype(np.int64),
        w=np.concatenate(ws),
        item_sim=first_item_sim,
        cf_config=cf_config,
        cf_validation=cf_validation,
        validations=validations,
    )


def _pick_negatives(
    negatives: np.ndarray,
    score: np.ndarray,
    n: int,
    hard: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """`n` of the store's not-carried products: its `hard` best-scored ones, the rest at random.

    The top of a store's list is where the ranking is decided, so the classifier must see the
    near misses, not only the products nobody would suggest. Returns the picked products and
    their sample weights: a hard negative stands for itself (weight 1), a random one for the
    rest it was drawn from (weight = rest / drawn). Without the weights the near misses are
    over-represented, and the classifier learns that a high EASE score means "not carried"
    (it did: negative coefficients on EASE and RP3beta, and a classifier below popularity on
    the grocery chain).
    """
    hard = min(hard, n)
    top = negatives[np.argsort(-score[negatives], kind="stable")[:hard]]
    rest = np.setdiff1d(negatives, top, assume_unique=True)
    extra = rng.choice(rest, min(n - hard, rest.size), replace=False) if n > hard else rest[:0]
    picked = np.concatenate([top, extra])
    weight = np.r_[np.ones(top.size), np.full(extra.size, rest.size / max(1, extra.size))]
    order = np.argsort(picked, kind="stable")
    return picked[order], weight[order]


__all__ = [
    "Evidence",
    "TrainingSet",
    "ValidationCopy",
    "mask_matrices",
    "masked_training_pairs",
    "store_chunks",
]
