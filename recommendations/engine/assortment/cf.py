"""Collaborative-filtering scorers on the store x product matrix: EASE and RP3beta.

Stores are the "users" (tens to a few thousand), products the "items" (up to tens of thousands),
so both models are computed through store x store matrices and never form a products x products
one:

- **EASE** (Steck 2019) has the closed form B = I - P diag(1/diag P), P = (X'X + lambda I)^-1.
  By the Woodbury identity P = (I - X' K^-1 X) / lambda with K = XX' + lambda I (stores x
  stores), so the scores X B = X - (K^-1 X) diag(1/diag P) and diag P_j = (1 - x_j' K^-1 x_j) /
  lambda. With the eigen-decomposition XX' = U L U' once, every lambda costs one (S x S) x (S x P)
  product: exact EASE on the whole catalogue in O(S^2 P) time and O(S P) memory.
- **RP3beta** (Paudel et al. 2017): the three-step random walk store -> product -> store ->
  product, transition probabilities raised to alpha, the arrival divided by the product's degree
  to the power beta. Computed as (X_a D_p^-a X_a') X_a D_p^-b, a store x store matrix times X.

The input X is the carried 0/1 matrix, or the log weekly units where the store sells the product
(sales velocity); which one, and the hyper-parameters, are chosen on a validation split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

INPUTS = ("carried", "velocity")


@dataclass(frozen=True)
class CFConfig:
    """Hyper-parameters of the two scorers (chosen per fit, see `training.select_cf`)."""

    ease_input: str = "carried"
    ease_lambda: float = 50.0
    rp3_input: str = "carried"
    rp3_alpha: float = 1.0
    rp3_beta: float = 0.3
    knn_neighbours: int = 20


def cf_input(carried: sp.csr_matrix, rate: sp.csr_matrix, kind: str) -> sp.csr_matrix:
    """The matrix a scorer reads: 0/1 carried, or log(1 + weekly units) where carried."""
    if kind == "carried":
        return carried.astype(np.float64).tocsr()
    if kind == "velocity":
        x = rate.multiply(carried).tocsr().astype(np.float64)
        x.data = np.log1p(x.data)
        return x
    raise ValueError(f"unknown CF input {kind!r}; expected one of {INPUTS}")


@dataclass(frozen=True)
class StoreSpectrum:
    """XX' = U diag(vals) U' and U'X, shared by every lambda of EASE."""

    x: sp.csr_matrix  # (S, P)
    vals: np.ndarray  # (S,)
    vecs: np.ndarray  # (S, S)
    proj: np.ndarray  # (S, P) U'X

    @classmethod
    def of(cls, x: sp.csr_matrix) -> StoreSpectrum:
        gram = (x @ x.T).toarray()
        vals, vecs = np.linalg.eigh(gram)
        vals = np.clip(vals, 0.0, None)
        proj = np.asarray((x.T @ vecs).T)  # sparse (P, S) @ dense: cheap
        return cls(x=x, vals=vals, vecs=vecs, proj=np.ascontiguousarray(proj))


def ease_scores(spec: StoreSpectrum, lam: float, rows: np.ndarray | None = None) -> np.ndarray:
    """EASE scores (n, P) of stores `rows` (None: all), exactly as the primal closed form."""
    inv = 1.0 / (spec.vals + lam)
    diag_p = (1.0 - (spec.proj**2 * inv[:, None]).sum(axis=0)) / lam
    diag_p = np.maximum(diag_p, 1e-12)
    u = spec.vecs if rows is None else spec.vecs[rows]
    kx = u @ (inv[:, None] * spec.proj)  # rows of K^-1 X
    own = (spec.x if rows is None else spec.x[rows]).toarray()
    return own - kx / diag_p[None, :]


def rp3_scores(
    x: sp.csr_matrix, alpha: float, beta: float, rows: np.ndarray | None = None
) -> np.ndarray:
    """RP3beta scores (n, P) of stores `rows`: walk probability over product degree^beta."""
    walk, deg_p = rp3_walk(x, alpha, rows)
    return walk * np.power(np.maximum(deg_p, 1.0), -beta)[None, :]


def rp3_walk(
    x: sp.csr_matrix, alpha: float, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The three-step walk probabilities (n, P) (beta = 0) and each product's degree."""
    deg_p = np.asarray((x > 0).sum(axis=0)).ravel().astype(np.float64)
    row_sum = np.asarray(x.sum(axis=1)).ravel()
    col_sum = np.asarray(x.sum(axis=0)).ravel()
    p_sp = sp.diags(_inv(row_sum)) @ x  # store -> product
    p_ps = x @ sp.diags(_inv(col_sum))  # product -> store, as (S, P) columns
    if alpha != 1.0:
        p_sp = p_sp.power(alpha)
        p_ps = p_ps.power(alpha)
    sel = p_sp if rows is None else p_sp[rows]
    walk = (sel @ p_ps.T).toarray()  # (n, S): store -> product -> store
    return np.asarray((p_sp.T @ walk.T).T), deg_p


def store_knn_scores(carried: sp.csr_matrix, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """User-user kNN (n, P): similarity-weighted share of the k most similar ranges (cosine)."""
    c = carried.astype(np.float64).tocsr()
    inv = sp.diags(_inv(np.sqrt(np.asarray(c.sum(axis=1)).ravel())))
    cn = inv @ c
    sel = cn if rows is None else cn[rows]
    sim = (sel @ cn.T).toarray()
    if rows is None:
        np.fill_diagonal(sim, -np.inf)
    else:
        sim[np.arange(len(rows)), rows] = -np.inf
    k = max(1, min(k, c.shape[0] - 1))
    idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    w = np.clip(np.take_along_axis(sim, idx, axis=1), 1e-3, None)
    graph = sp.csr_matrix(
        (w.ravel(), (np.repeat(np.arange(sim.shape[0]), k), idx.ravel())), shape=sim.shape
    )
    return np.asarray((graph @ c).todense()) / np.maximum(w.sum(axis=1), 1e-12)[:, None]


def _inv(v: np.ndarray) -> np.ndarray:
    return np.divide(1.0, v, out=np.zeros_like(v, dtype=np.float64), where=v > 0)


@dataclass(frozen=True)
class CFScores:
    """Dense (S, P) float32 score matrices of the fitted stores, one per scorer."""

    ease: np.ndarray
    rp3: np.ndarray
    knn: np.ndarray


def cf_scores(carried: sp.csr_matrix, rate: sp.csr_matrix, config: CFConfig) -> CFScores:
    ease = ease_scores(
        StoreSpectrum.of(cf_input(carried, rate, config.ease_input)), config.ease_lambda
    )
    rp3 = rp3_scores(cf_input(carried, rate, config.rp3_input), config.rp3_alpha, config.rp3_beta)
    knn = store_knn_scores(carried, config.knn_neighbours)
    return CFScores(
        ease=ease.astype(np.float32), rp3=rp3.astype(np.float32), knn=knn.astype(np.float32)
    )


def ndcg_of_scores(
    scores: np.ndarray, visible: sp.csr_matrix, hidden: sp.csr_matrix, k: int = 10
) -> float:
    """Mean binary NDCG@k of dense `scores` (n, P) over rows with hidden pairs.

    Visible pairs are never ranked; ties go to the lower product index (as in `recommend`).
    """
    values = ndcg_per_store(scores, visible, hidden, k)
    return float(values.mean()) if values.size else 0.0


def ndcg_per_store(
    scores: np.ndarray, visible: sp.csr_matrix, hidden: sp.csr_matrix, k: int = 10
) -> np.ndarray:
    """Binary NDCG@k of each row with hidden pairs (see `ndcg_of_scores`)."""
    s = scores.astype(np.float64, copy=True)
    vis = visible.tocoo()
    s[vis.row, vis.col] = -np.inf
    n, n_p = s.shape
    k = min(k, n_p)
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(s, top, axis=1)
    order = np.lexsort((top, -vals), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    hid = hidden.tocsr()
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    out = []
    for i in range(n):
        rel = hid.indices[hid.indptr[i] : hid.indptr[i + 1]]
        if rel.size == 0:
            continue
        hits = np.isin(top[i], rel)
        out.append(float(gains[hits].sum() / gains[: min(k, rel.size)].sum()))
    return np.array(out)


def validation_rows(hidden: sp.csr_matrix, max_stores: int, random_state: int) -> np.ndarray:
    """The stores with hidden pairs, a seeded sample of at most `max_stores` of them."""
    rows = np.flatnonzero(np.diff(hidden.tocsr().indptr) > 0)
    if rows.size > max_stores:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(rows, max_stores, replace=False))
    return rows


def select_cf(
    visible: sp.csr_matrix,
    rate: sp.csr_matrix,
    hidden: sp.csr_matrix,
    *,
    max_stores: int = 200,
    random_state: int = 0,
) -> tuple[CFConfig, dict[str, float]]:
    """The EASE and RP3beta settings with the best NDCG@10 on the hidden (validation) pairs.

    `visible` / `rate`: the masked training matrices; `hidden`: the pairs taken out of them.
    Scored on at most `max_stores` stores with hidden pairs (a seeded sample) to bound the cost.
    Returns the config and the validation NDCG of every candidate (for the model card).
    """
    rows = validation_rows(hidden, max_stores, random_state)
    vis_r, hid_r = visible[rows], hidden[rows]
    n_s = visible.shape[0]
    results: dict[str, float] = {}
    best_ease: tuple[float, str, float] = (-1.0, "carried", 1.0)
    best_rp3: tuple[float, str, float, float] = (-1.0, "carried", 1.0, 0.0)
    for kind in INPUTS:
        x = cf_input(visible, rate, kind)
        mean_sq = float(np.mean(x.data**2)) if x.nnz else 1.0
        spec = StoreSpectrum.of(x)
        for f in (0.1, 0.4, 1.6, 6.4, 25.6, 102.4):
            lam = f * n_s * mean_sq
            score = ndcg_of_scores(ease_scores(spec, lam, rows), vis_r, hid_r)
            results[f"ease/{kind}/lambda={lam:.3g}"] = score
            if score > best_ease[0]:
                best_ease = (score, kind, lam)
        for alpha in (0.5, 1.0):
            walk, deg_p = rp3_walk(x, alpha, rows)
            for beta in (0.0, 0.3, 0.5, 0.7):
                scored = walk * np.power(np.maximum(deg_p, 1.0), -beta)[None, :]
                score = ndcg_of_scores(scored, vis_r, hid_r)
                results[f"rp3/{kind}/alpha={alpha}/beta={beta}"] = score
                if score > best_rp3[0]:
                    best_rp3 = (score, kind, alpha, beta)
    best_knn = (-1.0, 20)
    for k in (10, 20, 40, 80):
        score = ndcg_of_scores(store_knn_scores(visible, k, rows), vis_r, hid_r)
        results[f"store_knn/k={k}"] = score
        if score > best_knn[0]:
            best_knn = (score, k)
    config = CFConfig(
        ease_input=best_ease[1],
        ease_lambda=best_ease[2],
        rp3_input=best_rp3[1],
        rp3_alpha=best_rp3[2],
        rp3_beta=best_rp3[3],
        knn_neighbours=best_knn[1],
    )
    return config, results
