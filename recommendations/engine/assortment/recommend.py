"""Suggestions from a fitted model: products to add (with reasons) and products to drop.

Rows are plain data for the Django side, which renders the reason dict in the user's language:
add reasons {"similar_stores", "carrying", "median_weekly_units_there", "share_of_all_stores"};
drop reasons {"weekly_units_here", "units_recent", "recent_weeks", "similar_stores", "carrying",
"median_weekly_units_there"}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .blend import (
    blend_scores,
    boosted_probability,
    component_parts,
    fit_probability,
    pooled,
    store_pool,
)
from .features import expected_log_rate, neighbour_share, pair_feature_columns
from .model import AssortmentModel
from .similarity import attribute_embedding, top_k_neighbours
from .training import store_chunks

RESULT_COLUMNS = (
    "store_id",
    "product_id",
    "action",
    "rank",
    "score",
    "fit_probability",
    "expected_weekly_units",
    "expected_weekly_profit",
    "reason",
)

Allowed = Mapping[str, Iterable[object]] | Iterable[object] | None


def _product_mask(model: AssortmentModel, ids: Iterable[object]) -> np.ndarray:
    wanted = np.array(sorted({str(x) for x in ids}), dtype=object)
    return np.isin(model.product_ids, wanted)


def _allowed_mask(model: AssortmentModel, store_id: str, allowed: Allowed) -> np.ndarray:
    """Products the store's warehouse can supply; a store missing from a mapping gets none."""
    if allowed is None:
        return np.ones(len(model.product_ids), dtype=bool)
    if isinstance(allowed, Mapping):
        return _product_mask(model, allowed.get(store_id, ()))
    return _product_mask(model, allowed)


def _margin_vector(
    model: AssortmentModel, margins: Mapping[Any, float] | None
) -> np.ndarray | None:
    if margins is None:
        return None
    series = pd.Series({str(k): float(v) for k, v in margins.items()}, dtype=float)
    return series.reindex(model.product_ids.astype(str)).fillna(0.0).to_numpy()


def score_stores(
    model: AssortmentModel, rows: np.ndarray, pool: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(fit probability, expected weekly units) for fitted stores `rows`, all products.

    With a booster (validation preferred it) its probability replaces the linear one in the
    candidate pool `pool` of the stores (`blend.store_pool`; computed here when not given).
    """
    ev = model.evidence
    cols = pair_feature_columns(
        ev,
        rows=rows,
        w_sales=model.w_sales[rows],
        w_attrs=None if model.w_attrs is None else model.w_attrs[rows],
        store_effect=ev.store_effect[rows],
    )
    prob = fit_probability(model.classifier, cols)
    booster = getattr(model, "booster", None)  # absent from models pickled before it existed
    if booster is not None:
        if pool is None:
            pool = store_pool(ev, rows, model.params.pool_size)
        prob = boosted_probability(booster, cols, prob, pool)
    units = np.exp(expected_log_rate(ev, model.w_blend[rows], ev.store_effect[rows]))
    return prob, units


def rank_stores(
    model: AssortmentModel, rows: np.ndarray, prob: np.ndarray, pool: np.ndarray | None = None
) -> np.ndarray:
    """The blended ranking score (n, P) of fitted stores `rows` (higher = suggest first).

    `pool`: the stores' candidate pool when the caller already has it.
    """
    # A model pickled before the blend existed ranks by its classifier, as it did then.
    weights = getattr(model, "blend_weights", None) or {"classifier": 1.0}
    ranked = pooled(model.evidence, rows, prob, getattr(model.params, "pool_size", 0), pool)
    return blend_scores(component_parts(model.evidence, rows, ranked), weights)


def _top_k(cand: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """The `k` candidates of highest value, best first, ties to the lower index.

    Same order as a full lexsort; the sort only sees the candidates at or above the k-th value.
    """
    if cand.size > k > 0:
        kth = np.partition(value, cand.size - k)[cand.size - k]
        keep = value >= kth
        cand, value = cand[keep], value[keep]
    return cand[np.lexsort((cand, -value))][:k]


def _reasons(
    model: AssortmentModel,
    weights: sp.csr_matrix,
    products: np.ndarray,
    units: np.ndarray | None = None,
    margin: np.ndarray | None = None,
) -> list[dict[str, object]]:
    """Reason dicts for one store (weights: its 1 x S neighbour row) and some product indices.

    Facts, whichever model ranked the product: how many of the stores most like this one carry
    it and what they sell of it, its share of all stores, and (with `units`, `margin`) the
    weekly units and gross profit expected here.
    """
    nbrs = weights.indices
    ev, rate = model.evidence, model.matrices.rate
    sub_r = rate[nbrs][:, products].toarray()
    sub_c = sub_r > 0  # rate > 0 exactly where carried (matrices.py)
    out: list[dict[str, object]] = []
    for j, p in enumerate(products):
        sold = sub_r[sub_c[:, j] > 0, j]
        reason: dict[str, object] = {
            "similar_stores": len(nbrs),
            "carrying": int(sub_c[:, j].sum()),
            "median_weekly_units_there": round(float(np.median(sold)), 1) if sold.size else 0.0,
            "share_of_all_stores": round(float(ev.carry_count[p]) / ev.n_stores, 2),
        }
        if units is not None:
            reason["expected_weekly_units"] = round(float(units[p]), 1)
        if units is not None and margin is not None:
            reason["margin_per_unit"] = round(float(margin[p]), 2)
            reason["expected_weekly_profit"] = round(float(units[p] * margin[p]), 2)
        out.append(reason)
    return out


def _rows(
    store_id: str,
    action: str,
    idx: np.ndarray,
    score: np.ndarray,
    prob: np.ndarray,
    units: np.ndarray,
    margin: np.ndarray | None,
    reasons: list[dict[str, object]],
    model: AssortmentModel,
) -> list[dict[str, object]]:
    return [
        {
            "store_id": store_id,
            "product_id": model.product_ids[p],
            "action": action,
            "rank": r + 1,
            "score": float(score[p]),
            "fit_probability": float(prob[p]),
            "expected_weekly_units": float(units[p]),
            "expected_weekly_profit": float(units[p] * margin[p]) if margin is not None else np.nan,
            "reason": reasons[r],
        }
        for r, p in enumerate(idx)
    ]


def _rank_value(
    model: AssortmentModel,
    rank_score: np.ndarray,
    prob: np.ndarray,
    units: np.ndarray,
    margin: np.ndarray | None,
    cand: np.ndarray,
    k: int,
) -> np.ndarray:
    """The value the candidates `cand` are ordered by (higher first).

    Without margins: the blended ranking score (what the evaluation measures). With margins:
    the `profit_pool` x k candidates the blend ranks best, ordered by expected gross profit
    (fit probability x expected weekly units x margin); the others after them, in blend order.
    """
    value = rank_score[cand].astype(np.float64)
    if margin is None or cand.size == 0:
        return value
    pool = min(cand.size, max(k, 1) * model.params.profit_pool)
    top = _top_k(np.arange(cand.size), value, pool)
    profit = prob[cand[top]] * units[cand[top]] * np.maximum(margin[cand[top]], 0.0)
    out = value - (value.max() - value.min() + 1.0) * 2.0  # below every pooled product
    # Pooled products rank by profit, above the rest (ties by blend order via _top_k's index).
    out[top] = np.max(out) + 1.0 + profit / max(float(profit.max()), 1e-12)
    return out


def recommend(
    model: AssortmentModel,
    store_ids: Iterable[object] | None = None,
    k: int = 10,
    *,
    allowed: Allowed = None,
    margins: Mapping[Any, float] | None = None,
    carried: Mapping[str, Iterable[object]] | None = None,
    drop_k: int = 5,
) -> pd.DataFrame:
    """Up to `k` products to add and `drop_k` to drop per store, as rows of RESULT_COLUMNS.

    `allowed`: product ids the store's warehouse supplies, as {store_id: ids} or one global set
    (None = every product). `margins`: {product_id: gross profit per unit}; when given, the
    expected weekly profit is reported and ranks alongside the fit. `carried`: the stores' known
    current ranges ({store_id: ids}); these are never suggested either, even if they did not sell,
    and are drop candidates. Stores unknown to the model are skipped (use `cold_start`).
    """
    index = {str(s): i for i, s in enumerate(model.store_ids)}
    wanted = model.store_ids if store_ids is None else [str(s) for s in store_ids]
    rows_idx = np.array([index[s] for s in wanted if s in index], dtype=np.int64)
    margin = _margin_vector(model, margins)
    ev = model.evidence
    out: list[dict[str, object]] = []
    for chunk in store_chunks(len(rows_idx), len(model.product_ids), len(model.feature_names)):
        rows = rows_idx[chunk]
        pool = store_pool(ev, rows, getattr(model.params, "pool_size", 0))
        prob, units = score_stores(model, rows, pool)
        ranked = rank_stores(model, rows, prob, pool)
        own = ev.carried[rows].toarray() > 0
        for i, r in enumerate(rows):
            sid = str(model.store_ids[r])
            listed = own[i].copy()
            if carried is not None and sid in carried:
                listed |= _product_mask(model, carried[sid])
            cand = np.flatnonzero(~listed & _allowed_mask(model, sid, allowed))
            value = np.full(len(model.product_ids), -np.inf)
            value[cand] = _rank_value(model, ranked[i], prob[i], units[i], margin, cand, k)
            top = _top_k(cand, value[cand], k)
            out += _rows(
                sid,
                "add",
                top,
                ranked[i],
                prob[i],
                units[i],
                margin,
                _reasons(model, model.w_blend[r], top, units[i], margin),
                model,
            )
            if drop_k > 0:
                out += _drops(model, r, sid, listed, prob[i], units[i], margin, drop_k)
    return pd.DataFrame(out, columns=list(RESULT_COLUMNS))


def _drops(
    model: AssortmentModel,
    r: int,
    sid: str,
    listed: np.ndarray,
    prob: np.ndarray,
    units: np.ndarray,
    margin: np.ndarray | None,
    drop_k: int,
) -> list[dict[str, object]]:
    """Listed products selling far below what similar stores sell and ~nothing recently."""
    p, m, ev = model.params, model.matrices, model.evidence
    here = m.rate[r].toarray().ravel()
    recent = m.recent_units[r].toarray().ravel()
    w = model.w_blend[r]
    carrying = np.asarray((w.astype(bool).astype(float) @ ev.carried).todense()).ravel()
    ratio = here / np.maximum(units, 1e-9)
    cand = np.flatnonzero(
        listed
        & (recent <= p.drop_max_recent_units)
        & (ratio < p.drop_ratio)
        & (carrying >= p.drop_min_carrying)
    )
    score = 1.0 - ratio
    top = cand[np.lexsort((cand, -score[cand]))][:drop_k]
    reasons = _reasons(model, w, top)
    weeks = m.recent_days // 7
    for reason, j in zip(reasons, top, strict=True):
        reason.update(
            weekly_units_here=round(float(here[j]), 2),
            units_recent=float(recent[j]),
            recent_weeks=weeks,
        )
    return _rows(sid, "drop", top, score, prob, here, margin, reasons, model)


def cold_start(
    model: AssortmentModel,
    attrs: Mapping[str, object],
    k: int = 10,
    *,
    allowed: Iterable[object] | None = None,
    margins: Mapping[Any, float] | None = None,
) -> pd.DataFrame:
    """Suggestions for a new store known only by its attributes (same columns as store_attrs).

    Neighbours are the fitted stores most similar by attributes (all stores alike when the model
    has no attributes, which then reduces to chain popularity).
    """
    ev, p = model.evidence, model.params
    sid = str(attrs.get("store_id", ""))
    feats = model.encoder.transform(pd.DataFrame([dict(attrs)]))
    if feats.shape[1] and model.attr_features.shape[1]:
        emb = attribute_embedding(feats, reference=model.attr_features)
        sim = emb @ model.attr_embedding.T
    else:
        sim = np.zeros((1, ev.n_stores))
    w = top_k_neighbours(sim, p.neighbours, exclude_self=False)
    pop = (ev.carry_count[None, :] + 0.5) / (ev.n_stores + 1.0)
    prob = neighbour_share(ev, w, pop)[0]
    nb_effect = float((w @ ev.store_effect)[0] / max(w.sum(), 1e-9))
    units = np.exp(expected_log_rate(ev, w, np.array([nb_effect])))[0]
    margin = _margin_vector(model, margins)
    ok = (
        np.ones(len(model.product_ids), dtype=bool)
        if allowed is None
        else _product_mask(model, allowed)
    )
    cand = np.flatnonzero(ok)
    value = np.full(len(model.product_ids), -np.inf)
    value[cand] = _rank_value(model, prob, prob, units, margin, cand, k)
    top = _top_k(cand, value[cand], k)
    rows = _rows(
        sid, "add", top, prob, prob, units, margin, _reasons(model, w, top, units, margin), model
    )
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
