"""Training pairs that look exactly like the evaluation (and real) situation.

A random share of each store's carried products is hidden — all their sales removed — and the
evidence (neighbour graphs, item similarities, rates) is rebuilt without them. The classifier
then learns to tell the hidden products (label 1) from the products the store really does not
carry (label 0), from features computed on the masked data, so no feature can peek at the label.

Two kinds of copy: validation copies (the blend weights and CF settings are chosen on their
hidden pairs, with a classifier trained on maskings of what each leaves visible) and the
maskings of all the data that the fitted model's classifier is trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .blend import candidate_pool
from .cf import CFConfig, select_cf, validation_rows
from .evidence import Graphs, evidence_for, graphs_for
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
class Examples:
    """Classifier examples from maskings of one copy of the data."""

    x: np.ndarray  # (n, F) float32 features
    y: np.ndarray  # (n,) 1 = hidden carried pair, 0 = not carried
    w: np.ndarray  # (n,) sample weights: 1 / the chance a pair of its kind was sampled
    item_sim: sp.csr_matrix | None  # item neighbours of the first masking


@dataclass(frozen=True)
class ValidationCopy:
    """A validation copy: its evidence, and the validation stores' visible / hidden pairs."""

    evidence: Evidence
    graphs: Graphs
    rows: np.ndarray  # validation stores
    visible: sp.csr_matrix  # (len(rows), P)
    hidden: sp.csr_matrix  # (len(rows), P)
    examples: Examples  # for the classifier scored on it: maskings of its visible pairs


@dataclass(frozen=True)
class TrainingSet:
    """Examples for the classifier, and what the masked copies taught besides them."""

    examples: Examples  # maskings of all the data: the fitted model's classifier
    cf_config: CFConfig | None  # EASE / RP3beta / store-kNN settings chosen on validation
    cf_validation: dict[str, float] = field(default_factory=dict)  # NDCG@10 of each candidate
    validations: list[ValidationCopy] = field(default_factory=list)  # the validation copies


def _split(
    carried: sp.csr_matrix, fraction: float, rng: np.random.Generator
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """A random `fraction` of the carried pairs: (kept 0/1, hidden 0/1), both like `carried`."""
    coo = carried.tocoo()
    hide = rng.random(coo.nnz) < fraction
    keep = sp.csr_matrix(
        (np.ones(int((~hide).sum())), (coo.row[~hide], coo.col[~hide])), shape=carried.shape
    )
    hidden = sp.csr_matrix(
        (np.ones(int(hide.sum())), (coo.row[hide], coo.col[hide])), shape=carried.shape
    )
    return keep, hidden


def _examples(
    base: SalesMatrices,
    products: pd.DataFrame | None,
    attr_emb: np.ndarray,
    *,
    use_attrs: bool,
    params: AssortmentParams,
    groups: tuple[tuple[str, np.ndarray], ...],
    cf_config: CFConfig | None,
    rng: np.random.Generator,
) -> Examples:
    """Classifier examples from up to `mask_rounds` maskings of `base`'s carried pairs."""
    p = params
    n_s, n_p = base.carried.shape
    rounds = p.mask_rounds
    neg_per_store = max(1, p.max_train_pairs // max(1, n_s * rounds))
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    positives_seen = 0
    first_item_sim: sp.csr_matrix | None = None
    for _ in range(rounds):
        if positives_seen >= p.enough_positives:
            break  # big chains: one masking already gives plenty of examples
        keep, hidden = _split(base.carried, p.mask_fraction, rng)
        mm = mask_matrices(base, keep)
        graphs = graphs_for(mm.rate, attr_emb, use_attrs=use_attrs, params=p)
        ev = evidence_for(
            mm,
            products,
            use_attrs=use_attrs,
            params=p,
            cf=cf_config,
            groups=groups,
        )
        if first_item_sim is None:
            first_item_sim = ev.item_sim
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
            pool = candidate_pool(ev, rows, visible, p.pool_size) if p.pool_size else None
            picked = []
            for i in range(len(rows)):
                if pool is not None:  # every pooled product, nothing outside the pool
                    positives = np.flatnonzero(pos[i] & pool[i])
                    negatives = np.flatnonzero(~pos[i] & pool[i])
                    neg_w = np.ones(negatives.size)
                else:
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
    return Examples(
        x=np.concatenate(xs),
        y=np.concatenate(ys).astype(np.int64),
        w=np.concatenate(ws),
        item_sim=first_item_sim,
    )


def masked_training_pairs(
    m: SalesMatrices,
    products: pd.DataFrame | None,
    attr_emb: np.ndarray,
    *,
    use_attrs: bool,
    params: AssortmentParams,
    groups: tuple[tuple[str, np.ndarray], ...] = (),
) -> TrainingSet:
    """A validation copy, and classifier examples from maskings of what it leaves visible.

    1. Validation copy: `mask_fraction` of the carried pairs is hidden, exactly as the
       evaluation hides its held-out pairs. The CF settings are chosen on its hidden pairs
       (`cf.select_cf`), and the blend weights too (`fit_assortment`, `blend.choose_weights`).
    2. Training copies: up to `mask_rounds` maskings of the pairs the validation copy leaves
       visible; their hidden pairs are the classifier's positive examples. The validation
       copy's hidden pairs are in none of them (they look "not carried" there, like the
       evaluation's held-out pairs do in a real fit), so the classifier is scored on the
       validation copy as on pairs it never learned from.
    On small chains (`params.validation_copies_for`) up to three independent validation copies,
    each with its own classifier, are scored together: one copy of a 77 x 58 chain holds a few
    hundred hidden pairs. The CF settings come from the first.
    The item neighbours of a copy's first masking are reused by that copy's evidence (and those
    of the final classifier's by the fitted model, see `fit_assortment`): they are the costliest
    part of the evidence, and they were built without any hidden pair of the copy.
    """
    p = params
    rng = np.random.default_rng(p.random_state)
    n_p = m.carried.shape[1]
    cf_config: CFConfig | None = None
    cf_validation: dict[str, float] = {}
    keep_v, hidden_v = _split(m.carried, p.mask_fraction, rng)
    mv = mask_matrices(m, keep_v)
    if p.collaborative and hidden_v.nnz:
        cf_config, cf_validation = select_cf(
            mv.carried,
            mv.rate,
            hidden_v,
            max_stores=p.validation_stores_for(n_p),
            random_state=p.random_state,
        )

    def examples(base: SalesMatrices) -> Examples:
        return _examples(
            base,
            products,
            attr_emb,
            use_attrs=use_attrs,
            params=p,
            groups=groups,
            cf_config=cf_config,
            rng=rng,
        )

    on_validation = examples(mv)
    final = examples(m) if p.refit_classifier else on_validation
    validations: list[ValidationCopy] = []
    for copy in range(p.validation_copies_for(*m.carried.shape)):
        if copy:  # a further, independent validation copy (small chains: less noise)
            keep_v, hidden_v = _split(m.carried, p.mask_fraction, rng)
            mv = mask_matrices(m, keep_v)
        ex_v = on_validation if copy == 0 else examples(mv)
        if not hidden_v.nnz:
            continue
        graphs_v = graphs_for(mv.rate, attr_emb, use_attrs=use_attrs, params=p)
        ev_v = evidence_for(
            mv,
            products,
            use_attrs=use_attrs,
            params=p,
            cf=cf_config,
            groups=groups,
            item_sim=ex_v.item_sim,
        )
        rows_v = validation_rows(hidden_v, p.blend_validation_stores_for(n_p), p.random_state)
        validations.append(
            ValidationCopy(
                evidence=ev_v,
                graphs=graphs_v,
                rows=rows_v,
                visible=mv.carried[rows_v],
                hidden=hidden_v[rows_v],
                examples=ex_v,
            )
        )
    return TrainingSet(
        examples=final,
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
