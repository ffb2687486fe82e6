"""Stores like yours: similarity from sales profiles and from store attributes.

Sales profile: log(1 + weekly units) per product, rows L2-normalised (so a big store and a small
store with the same mix look alike), reduced with TruncatedSVD (sparse-friendly), centred and
normalised again, so the cosine measures how a store's mix departs from the chain's average mix.

Attributes: any columns of the stores frame. Categorical columns are one-hot encoded; columns
whose values are (nearly) unique per store, like names or addresses, carry no similarity and are
skipped, as are constant columns. Numeric columns are median-imputed, log-scaled when positive and
skewed, and standardised. Each column gets equal total weight, so ten one-hot levels of a city
column do not drown the size column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

MAX_LEVELS = 50


@dataclass(frozen=True)
class AttributeEncoder:
    """Fitted encoding of store attributes; `transform` works for stores never seen in fit."""

    numeric: dict[str, tuple[float, float, float, bool]] = field(default_factory=dict)
    # column -> (median, mean, std, log-scaled)
    categorical: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.numeric and not self.categorical

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        blocks: list[np.ndarray] = []
        for col, (median, mean, std, logged) in self.numeric.items():
            raw = pd.to_numeric(frame.get(col), errors="coerce") if col in frame else None
            values = (
                np.full(len(frame), median)
                if raw is None
                else raw.fillna(median).to_numpy(dtype=float)
            )
            if logged:
                values = np.log1p(np.maximum(values, 0.0))
            blocks.append(((values - mean) / std)[:, None])
        for col, levels in self.categorical.items():
            values = (
                frame[col].astype(str).to_numpy() if col in frame else np.array([""] * len(frame))
            )
            onehot = (values[:, None] == np.array(levels)[None, :]).astype(float)
            # Two different levels sit at distance 1, like one standard deviation of a number.
            blocks.append(onehot / np.sqrt(2.0))
        if not blocks:
            return np.zeros((len(frame), 0))
        return np.hstack(blocks)


def fit_attribute_encoder(stores: pd.DataFrame | None) -> AttributeEncoder:
    if stores is None or stores.empty:
        return AttributeEncoder()
    n = len(stores)
    numeric: dict[str, tuple[float, float, float, bool]] = {}
    categorical: dict[str, tuple[str, ...]] = {}
    for col in stores.columns:
        if col == "store_id":
            continue
        series = stores[col]
        as_num = pd.to_numeric(series, errors="coerce")
        is_numeric = pd.api.types.is_numeric_dtype(series) or as_num.notna().mean() > 0.9
        if is_numeric and as_num.notna().any() and as_num.nunique() > MAX_LEVELS // 5:
            median = float(as_num.median())
            values = as_num.fillna(median).to_numpy(dtype=float)
            logged = bool((values >= 0).all() and pd.Series(values).skew() > 1.0)
            if logged:
                values = np.log1p(values)
            std = float(values.std())
            if std > 0:
                numeric[col] = (median, float(values.mean()), std, logged)
            continue
        levels = series.dropna().astype(str)
        n_levels = levels.nunique()
        if n_levels < 2 or n_levels > min(MAX_LEVELS, max(2, n // 2)):
            continue  # constant, or an identifier such as a name
        counts = levels.value_counts()
        categorical[col] = tuple(sorted(counts.index[counts >= 1]))
    return AttributeEncoder(numeric=numeric, categorical=categorical)


def attribute_frame(store_ids: np.ndarray, stores: pd.DataFrame | None) -> pd.DataFrame:
    """The attributes of `store_ids` in order (missing stores get empty rows)."""
    if stores is None:
        return pd.DataFrame(index=range(len(store_ids)))
    table = stores.assign(store_id=stores["store_id"].astype(str)).drop_duplicates("store_id")
    return table.set_index("store_id").reindex(store_ids.astype(str)).reset_index(drop=True)


def attribute_groups(
    encoder: AttributeEncoder, frame: pd.DataFrame, min_size: int = 3
) -> tuple[tuple[str, np.ndarray], ...]:
    """Each categorical attribute of the encoder as store group codes (-1: unknown level).

    Only columns whose groups hold at least `min_size` stores on average: a group of one or two
    stores says nothing the store's own range does not.
    """
    out = []
    for col, levels in encoder.categorical.items():
        if col not in frame:
            continue
        values = frame[col].astype(str).to_numpy()
        lookup = {v: i for i, v in enumerate(levels)}
        codes = np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
        known = codes[codes >= 0]
        if known.size and known.size / max(1, np.unique(known).size) >= min_size:
            out.append((col, codes))
    return tuple(out)


def unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def sales_embedding(rate: sp.csr_matrix, dims: int, random_state: int) -> np.ndarray:
    """Centred, unit-length low-rank profile of each store's sales mix."""
    x = rate.copy()
    x.data = np.log1p(x.data)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ x
    n_comp = min(dims, min(x.shape) - 1)
    if n_comp < 1:
        return np.zeros((x.shape[0], 1))
    z = TruncatedSVD(n_components=n_comp, random_state=random_state).fit_transform(x)
    return unit_rows(z - z.mean(axis=0))


def attribute_embedding(features: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Centre attribute features on the chain's stores (`reference`), then unit length."""
    if features.shape[1] == 0:
        return features
    ref = features if reference is None else reference
    return unit_rows(features - ref.mean(axis=0))


def top_k_neighbours(sim: np.ndarray, k: int, exclude_self: bool = True) -> sp.csr_matrix:
    """Row-wise top-k of a (queries x stores) similarity, weights clipped at a small floor."""
    n_q, n_s = sim.shape
    sim = sim.astype(np.float64, copy=True)
    if exclude_self:
        np.fill_diagonal(sim, -np.inf)
    k = max(1, min(k, n_s - (1 if exclude_self else 0)))
    idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    weights = np.take_along_axis(sim, idx, axis=1)
    weights = np.clip(weights, 1e-3, None)
    rows = np.repeat(np.arange(n_q), k)
    return sp.csr_matrix((weights.ravel(), (rows, idx.ravel())), shape=(n_q, n_s))


def _sparse_true(mask: np.ndarray) -> np.ndarray:
    """Flat indices of the True cells of a mostly-False boolean array, in order.

    Scans 8 cells at a time (as uint64 words), then only the non-zero words: several times
    faster than `np.flatnonzero` when few cells are True.
    """
    flat = np.ascontiguousarray(mask).reshape(-1).view(np.uint8)
    tail = flat.size % 8
    if tail:
        flat = np.concatenate([flat, np.zeros(8 - tail, dtype=np.uint8)])
    words = np.flatnonzero(flat.view(np.uint64))
    sub_r, sub_c = np.nonzero(flat.reshape(-1, 8)[words])
    return words[sub_r] * 8 + sub_c


def row_top_k(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and values (n, k) of the k largest entries of each row, by column within a row.

    Ties at the k-th value go to the lower column indices, so the result does not depend on the
    selection algorithm. One partition to find each row's k-th value and one comparison pass:
    several times cheaper than an argsort, and cheaper than an argpartition of the whole block.
    """
    n, m = block.shape
    k = max(1, min(k, m))
    kth = np.partition(block, m - k, axis=1)[:, m - k]
    r, c = np.divmod(_sparse_true(block >= kth[:, None]), m)
    v = block[r, c]
    above = v > kth[r]
    need = k - np.bincount(r[above], minlength=n)
    tie = np.flatnonzero(~above)
    tie_rows = r[tie]
    pos = np.arange(tie.size) - np.searchsorted(tie_rows, np.arange(n))[tie_rows]
    keep = above
    keep[tie[pos < need[tie_rows]]] = True
    return c[keep].reshape(n, k), v[keep].reshape(n, k)


def item_embedding(
    carried: sp.csr_matrix, dims: int | None, random_state: int
) -> np.ndarray | sp.csr_matrix:
    """Rows = products; their dot products are (approximately) the cosine of carried columns.

    Columns of `carried` are L2-normalised. With `dims` below the number of stores the products
    are projected on the top `dims` singular directions (TruncatedSVD; the dot products then
    approximate the cosine, and are exact when the data has rank <= dims); otherwise the exact
    normalised columns are returned (dense when small, sparse beyond 50M cells).
    """
    c = carried.tocsc().astype(np.float32)
    n_s, n_p = c.shape
    norms = np.sqrt(np.asarray(c.multiply(c).sum(axis=0)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    cnt = (c @ sp.diags(inv.astype(np.float32))).T.tocsr()  # (P, S)
    if dims is not None and dims < n_s - 1 and dims < n_p - 1:
        svd = TruncatedSVD(n_components=dims, algorithm="randomized", random_state=random_state)
        return np.ascontiguousarray(svd.fit_transform(cnt), dtype=np.float32)
    if n_s * n_p <= 50_000_000:
        return cnt.toarray()
    return cnt


def item_neighbours(
    carried: sp.csr_matrix,
    k: int,
    *,
    dims: int | None = None,
    random_state: int = 0,
    block_cells: int = 16_000_000,
) -> sp.csr_matrix:
    """Top-k cosine neighbours of each product over stores (P x P, no diagonal, > 0 only).

    `dims=None`: the exact cosine. Otherwise the cosine on a `dims`-dimensional TruncatedSVD
    embedding of the products (see `item_embedding`): the P x P similarity costs P^2 x dims
    instead of P^2 x stores. Built in row blocks of about `block_cells`, never a dense P x P.
    """
    z = item_embedding(carried, dims, random_state)
    n_p = z.shape[0]
    k = max(1, min(k, n_p - 1))
    chunk = max(1, block_cells // max(1, n_p))
    # scipy is untyped, so issparse() cannot narrow: the cast states what it checked.
    zt = cast(sp.csr_matrix, z).T.tocsc() if sp.issparse(z) else z.T
    rows_all, cols_all, vals_all = [], [], []
    for start in range(0, n_p, chunk):
        stop = min(n_p, start + chunk)
        block = z[start:stop] @ zt
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        block[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        idx, vals = row_top_k(block, k)
        rows_all.append(np.repeat(np.arange(start, stop), k))
        cols_all.append(idx.ravel())
        vals_all.append(vals.ravel())
    vals = np.concatenate(vals_all)
    keep = vals > 0  # no evidence of similarity (or a negative low-rank estimate): no edge
    sim = sp.csr_matrix(
        (vals[keep], (np.concatenate(rows_all)[keep], np.concatenate(cols_all)[keep])),
        shape=(n_p, n_p),
    )
    sim.eliminate_zeros()
    return sim
