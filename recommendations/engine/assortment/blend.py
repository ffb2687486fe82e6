"""The final ranking: a weighted blend of the models' per-store rank positions.

Components: the pair classifier (store similarity, popularity, category and rate features),
EASE and RP3beta. Their scores live on different scales, so each is turned into the product's
position in the store's list (0 = best), as a share of the catalogue; the blend is a weighted
average of the positions (lower is better, returned negated so that higher is better). The
weights are the grid point with the best NDCG@10 on the validation split (the first masked copy
of the training pairs, see training.py): one chain may be best served by EASE alone, another by
the classifier, another by a mix.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .cf import ndcg_per_store
from .features import Evidence, pair_feature_columns

COMPONENTS = ("classifier", "ease", "rp3beta", "store_knn", "popularity")
STEP = 0.25


def rank_share(score: np.ndarray) -> np.ndarray:
    """Each cell's position in its row, best first, over the row length (ties: lower index)."""
    n, n_p = score.shape
    order = np.argsort(-score, axis=1, kind="stable")
    pos = np.empty((n, n_p), dtype=np.float32)
    np.put_along_axis(pos, order, np.arange(n_p, dtype=np.float32)[None, :] / n_p, axis=1)
    return pos


def blend_scores(parts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Negated weighted mean rank position of the components with a positive weight."""
    used = [(name, w) for name, w in weights.items() if w > 0 and name in parts]
    if len(used) == 1:
        return parts[used[0][0]].astype(np.float64)  # one model: its own order, exactly
    total = sum(w for _, w in used)
    out = np.zeros(next(iter(parts.values())).shape, dtype=np.float64)
    for name, w in used:
        out -= (w / total) * rank_share(parts[name])
    return out


def weight_grid(names: tuple[str, ...]) -> list[dict[str, float]]:
    """Every weighting of `names` in steps of STEP summing to 1."""
    steps = round(1 / STEP)
    grid = []
    for combo in itertools.product(range(steps + 1), repeat=len(names)):
        if sum(combo) == steps:
            grid.append({n: c * STEP for n, c in zip(names, combo, strict=True)})
    return grid


def validation_table(
    copies: list[tuple[dict[str, np.ndarray], sp.csr_matrix, sp.csr_matrix]],
) -> tuple[list[dict[str, float]], np.ndarray]:
    """The weight grid and the NDCG@10 (candidates, stores over all copies) of every weighting.

    `copies`: (component scores (n, P) of the validation stores on a masked copy, their visible
    pairs, their hidden pairs).
    """
    names = tuple(n for n in COMPONENTS if n in copies[0][0])
    grid = weight_grid(names)
    per_store: list[np.ndarray] = []
    for parts, visible, hidden in copies:
        ranks = {n: rank_share(parts[n]) for n in names}
        block = []
        for w in grid:
            used = {n: v for n, v in w.items() if v > 0}
            if len(used) == 1:
                score = parts[next(iter(used))]
            else:
                score = np.zeros(ranks[names[0]].shape)
                for n, v in used.items():
                    score -= v * ranks[n]
            block.append(ndcg_per_store(score, visible, hidden))
        per_store.append(np.vstack(block))
    return grid, np.hstack(per_store)


def choose_weights(
    copies: list[tuple[dict[str, np.ndarray], sp.csr_matrix, sp.csr_matrix]],
    stores: list[np.ndarray] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """The grid weights to rank with, from the validation NDCG@10 (see `validation_table`).

    The best mean wins, except that among the weightings within one standard error of it (of
    the paired per-store difference) the one with the most classifier weight is taken (then
    the best mean). The validation copy is one noisy draw (tens to a couple of hundred stores)
    and the best of 70 weightings is flattered by it; the classifier, which already reads
    popularity, the neighbours and the CF scores, is the safe side of a tie. Measured on the
    bench chains against taking the best mean, the fewest components or the most even mix
    within one SE, this rule was best or within 0.02 of the best on every chain (docs/assortment.md).
    `stores`: the store index of each copy's rows; a store validated on several copies counts
    once in the standard error (its copies' NDCG averaged), not as independent stores.
    Returns the weights and every candidate's mean NDCG.
    """
    grid, values = validation_table(copies)
    if stores is not None:
        ids = np.concatenate(
            [
                ids[np.diff(hidden.tocsr().indptr) > 0]
                for ids, (_, _, hidden) in zip(stores, copies, strict=True)
            ]
        )
        _, group = np.unique(ids, return_inverse=True)
        counts = np.bincount(group)
        values = np.stack([np.bincount(group, weights=row) / counts for row in values])
    means = values.mean(axis=1)
    best = int(np.argmax(means))
    diff = values[best][None, :] - values
    se = np.zeros(len(grid))
    if values.shape[1] > 1:
        se = diff.std(axis=1, ddof=1) / np.sqrt(values.shape[1])
    close = np.flatnonzero(means[best] - means <= se + 1e-12)
    key = [(grid[i].get("classifier", 0.0), means[i]) for i in close]
    pick = int(close[max(range(len(close)), key=lambda j: key[j])]) if close.size else best
    tried = {
        ",".join(f"{n}={v:g}" for n, v in w.items()): float(m)
        for w, m in zip(grid, means, strict=True)
    }
    return grid[pick], tried


def candidate_pool(ev: Evidence, rows: np.ndarray, visible: np.ndarray, size: int) -> np.ndarray:
    """(n, P) bool: the union of each scorer's `size` best not-visible products per store.

    Scorers: popularity, EASE, RP3beta, store kNN and the same-group carry counts (whichever
    exist). The classifier is trained on, and ranks, only these candidates: the top of a
    store's list is decided among them, and a linear model fitted on every not-carried product
    spends itself on separating the thousands nobody would suggest.
    """
    n_p = ev.carried.shape[1]
    pop = np.broadcast_to(ev.carry_count.astype(np.float64), (len(rows), n_p))
    scorers = [pop] + [a[rows] for a in (ev.ease, ev.rp3, ev.knn) if a is not None]
    scorers += [counts[np.maximum(codes[rows], 0)] for _, codes, counts in ev.groups]
    out = np.zeros((len(rows), n_p), dtype=bool)
    k = min(size, n_p - 1)
    for sc in scorers:
        sc = np.where(visible, -np.inf, sc.astype(np.float64))
        top = np.argpartition(-sc, k, axis=1)[:, :k]
        np.put_along_axis(out, top, True, axis=1)
    return out & ~visible


def store_pool(ev: Evidence, rows: np.ndarray, pool_size: int) -> np.ndarray | None:
    """The candidate pool of fitted stores `rows` (None without a pool)."""
    if not pool_size:
        return None
    return candidate_pool(ev, rows, ev.carried[rows].toarray() > 0, pool_size)


def pooled(
    ev: Evidence,
    rows: np.ndarray,
    prob: np.ndarray,
    pool_size: int,
    pool: np.ndarray | None = None,
) -> np.ndarray:
    """The classifier's ranking score: `prob` inside the candidate pool, below it outside.

    `pool`: the stores' candidate pool when the caller already has it (`store_pool`).
    """
    if not pool_size:
        return prob
    if pool is None:
        pool = candidate_pool(ev, rows, ev.carried[rows].toarray() > 0, pool_size)
    return np.where(pool, prob + 1.0, prob)


def boosted_probability(
    booster: HistGradientBoostingClassifier,
    cols: list[np.ndarray],
    prob: np.ndarray,
    pool: np.ndarray | None,
) -> np.ndarray:
    """`prob` with the booster's probability in the pool cells (every cell without a pool).

    The booster learned inside the pool only; outside it the linear classifier's order stays
    (those products rank below the pool anyway). Predicting only the pool keeps it cheap: a few
    hundred cells a store instead of the whole catalogue.
    """
    cells = np.flatnonzero(pool) if pool is not None else np.arange(prob.size)
    if not cells.size:
        return prob
    feats = np.stack([c.reshape(-1)[cells] for c in cols], axis=1).astype(np.float32)
    out = prob.astype(np.float64, copy=True)
    out.reshape(-1)[cells] = booster.predict_proba(feats)[:, 1]
    return out


def fit_probability(classifier: Pipeline, cols: list[np.ndarray]) -> np.ndarray:
    """`classifier.predict_proba` of the stacked feature columns, without stacking them.

    The scaler + logistic regression is one linear function: summed column by column over the
    (n, P) arrays (features rounded to float32, as in training). Other pipelines go the long way.
    """
    steps = [step for _, step in classifier.steps]
    if (
        len(steps) == 2
        and isinstance(steps[0], StandardScaler)
        and isinstance(steps[1], LogisticRegression)
        and steps[1].coef_.shape[0] == 1
        and steps[1].classes_.tolist() == [0, 1]
    ):
        scaler, lr = steps
        scale = scaler.scale_ if scaler.scale_ is not None else np.ones(len(cols))
        mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(len(cols))
        w = lr.coef_[0] / scale
        z = np.full(cols[0].shape, float(lr.intercept_[0] - np.dot(w, mean)))
        for weight, col in zip(w, cols, strict=True):
            z += weight * col.astype(np.float32)
        return expit(z)
    feats = np.stack(cols, axis=2).astype(np.float32)
    n, n_p, n_f = feats.shape
    return classifier.predict_proba(feats.reshape(-1, n_f))[:, 1].reshape(n, n_p)


def component_parts(ev: Evidence, rows: np.ndarray, prob: np.ndarray) -> dict[str, np.ndarray]:
    """The components' scores (n, P) for stores `rows`, given the classifier's `prob`."""
    parts = {"classifier": prob}
    if ev.ease is not None:
        parts["ease"] = ev.ease[rows]
    if ev.rp3 is not None:
        parts["rp3beta"] = ev.rp3[rows]
    knn = getattr(ev, "knn", None)  # absent from models pickled before it existed
    if knn is not None:
        parts["store_knn"] = knn[rows]
        parts["popularity"] = np.broadcast_to(
            ev.carry_count.astype(np.float64), (len(rows), ev.carried.shape[1])
        )
    return parts


def validation_parts(
    ev: Evidence,
    w_sales: sp.csr_matrix,
    w_attrs: sp.csr_matrix | None,
    classifier: Pipeline,
    rows: np.ndarray,
    pool_size: int = 0,
    booster: HistGradientBoostingClassifier | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """Component scores of the validation stores on the masked copy's evidence.

    Returns them with the linear classifier, and (with `booster`) with the boosted one in its
    place (None without a booster); the other components are the same arrays.
    """
    cols = pair_feature_columns(
        ev,
        rows=rows,
        w_sales=w_sales[rows],
        w_attrs=None if w_attrs is None else w_attrs[rows],
        store_effect=ev.store_effect[rows],
    )
    pool = store_pool(ev, rows, pool_size)
    prob = fit_probability(classifier, cols)
    linear = component_parts(ev, rows, pooled(ev, rows, prob, pool_size, pool))
    if booster is None:
        return linear, None
    boosted = pooled(ev, rows, boosted_probability(booster, cols, prob, pool), pool_size, pool)
    return linear, {**linear, "classifier": boosted}
