"""M5-style accuracy metrics on [n_series, horizon] arrays.

Scales come from each series' own history since its first sale, so a slow mover and a best seller
count alike in RMSSE/MASE; WRMSSE then weights series by recent revenue, which is what the store
cares about. Series whose history never changes (scale 0) have no scaled error and are skipped.
"""

from __future__ import annotations

import numpy as np


def _diffs(history: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.diff(history.astype(np.float64), axis=1)
    # A difference counts once both of its periods are on or after the first sale.
    valid = np.arange(1, history.shape[1])[None, :] > start[:, None]
    return np.where(valid, d, 0.0), valid.sum(axis=1)


def squared_scale(history: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Mean squared one-period change over the history (RMSSE denominator); NaN if undefined."""
    d, count = _diffs(history, start)
    scale = (d * d).sum(axis=1) / np.maximum(count, 1)
    return np.where((count > 0) & (scale > 0), scale, np.nan)


def absolute_scale(history: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Mean absolute one-period change over the history (MASE denominator); NaN if undefined."""
    d, count = _diffs(history, start)
    scale = np.abs(d).sum(axis=1) / np.maximum(count, 1)
    return np.where((count > 0) & (scale > 0), scale, np.nan)


def _cell_mean(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Mean over the horizon of each series, over the cells of ``mask`` only (NaN if none)."""
    if mask is None:
        return np.mean(values, axis=1)
    n = mask.sum(axis=1)
    total = np.where(mask, values, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def rmsse(
    actual: np.ndarray,
    forecast: np.ndarray,
    scale_sq: np.ndarray,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Root mean squared scaled error per series (over the cells of ``mask``, when given: the
    periods whose demand was observed)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(_cell_mean((actual - forecast) ** 2, mask) / scale_sq)


def mase(
    actual: np.ndarray,
    forecast: np.ndarray,
    scale_abs: np.ndarray,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Mean absolute scaled error per series."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _cell_mean(np.abs(actual - forecast), mask) / scale_abs


def revenue_weights(history: np.ndarray, price: np.ndarray | None, window: int) -> np.ndarray:
    """Revenue of each series over the last ``window`` history periods (units if no price)."""
    units = history[:, -window:].astype(np.float64)
    if price is None:
        return units.sum(axis=1)
    paid = np.nan_to_num(price[:, history.shape[1] - units.shape[1] : history.shape[1]], nan=0.0)
    return (units * paid).sum(axis=1)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean over series with a defined value and positive weight (NaN if none).

    NaN (an undefined scale) is skipped; an infinite value is not, so a forecaster that served
    an infinite or non-finite forecast scores infinity instead of hiding the series."""
    ok = ~np.isnan(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok]))


def wrmsse(rmsse_values: np.ndarray, weights: np.ndarray) -> float:
    """Revenue-weighted RMSSE (the bottom level of M5's WRMSSE)."""
    return weighted_mean(rmsse_values, weights)


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Relative bias of the total: (sum forecast - sum actual) / sum actual."""
    total = float(np.sum(actual))
    return float((np.sum(forecast) - total) / total) if total > 0 else float("nan")


def pinball(
    actual: np.ndarray, quantile: np.ndarray, level: float, mask: np.ndarray | None = None
) -> np.ndarray:
    """Pinball (quantile) loss per series, averaged over the horizon."""
    diff = actual - quantile
    return _cell_mean(np.maximum(level * diff, (level - 1.0) * diff), mask)


def coverage(actual: np.ndarray, upper: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Share of (series, period) cells with the actual at or below the upper quantile."""
    hit = actual <= upper + 1e-9
    if mask is None:
        return float(np.mean(hit))
    return float(np.mean(hit[mask])) if mask.any() else float("nan")
