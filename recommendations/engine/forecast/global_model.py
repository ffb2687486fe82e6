"""The global gradient-boosting model: one estimator over every series and horizon step.

Direct multi-horizon with the step as a feature: each training row pairs what was known at an
origin with the actual ``step`` periods later, so no forecast is fed back as an input (no recursive
error build-up), and one model serves any step up to the horizon. A single model (rather than one
per step) shares what steps have in common, trains on one sample whose size does not grow with the
horizon (28 daily steps would otherwise mean 28 fits), and is one artifact in the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from .features import Encoders, FeatureSpec, build_history, make_features, series_scale
from .history import History
from .panel import Panel

#: Categorical encodings are only used while a column has few enough levels for the trees' bins.
MAX_CATEGORIES = 250
#: Rows are featurised in chunks to bound memory at large scale.
CHUNK_ROWS = 500_000
#: Version of the feature set; an estimator fit on another version cannot featurise a panel.
FEATURE_VERSION = 3
#: Scaled targets above this quantile of the training sample are capped there: a period worth
#: thousands of its series' level (a return booked as a sale, a data error) would otherwise
#: dominate a Poisson fit whose log link then overflows. The cap is a quantile of the data, so it
#: adapts to how spiky each chain is; the served multiplier never exceeds it either.
TARGET_CAP_QUANTILE = 0.999


@dataclass(frozen=True)
class BoostingParams:
    """Hyper-parameters of the HistGradientBoostingRegressor (Poisson loss, log link)."""

    learning_rate: float = 0.1
    max_iter: int = 150
    max_leaf_nodes: int = 63
    min_samples_leaf: int = 100
    l2_regularization: float = 1.0
    max_features: float = 0.7
    #: Learn a multiplier of each series' recent level (Poisson with the level as an offset)
    #: instead of raw units, so one tree split means the same for a slow and a fast seller.
    scale_target: bool = True
    #: One estimator per entry, fit on the same rows with its own seed (column sampling and
    #: binning differ); the global forecast is their mean, which varies less than either.
    #: "scaled": every unit-valued feature relative to the series' level; "units": also lags
    #: and means over the chain's typical level (``FeatureSpec.unit_scale``). The default is
    #: two scaled members: "units" fits are not invariant to the unit of count (a chain x1000
    #: moved WRMSSE by 8% in the scale test), see docs/forecasting.md.
    variants: tuple[str, ...] = ("scaled", "scaled")


def candidate_rows(
    start: np.ndarray, end: int, horizon: int, max_periods: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """First candidate origin per series, and the number of candidates per (series, step)."""
    floor = 0 if max_periods is None else max(end - max_periods, 0)
    lo = np.maximum(start + 1, floor)  # [n]
    hi = end - np.arange(1, horizon + 1)  # [H], last origin whose target is inside the history
    return lo, np.maximum(hi[None, :] - lo[:, None] + 1, 0).ravel()


def sample_rows(
    start: np.ndarray,
    end: int,
    horizon: int,
    max_rows: int,
    rng: np.random.Generator,
    max_periods: int | None = None,
    level: np.ndarray | None = None,
    censored: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(series, origin, step) training rows whose target period is before ``end``.

    Every origin with at least one period of history is a candidate. When there are at most
    ``max_rows`` candidates all are used. Otherwise ``max_rows`` are drawn (fixed by ``rng``), so
    training cost stays flat as the chain grows: uniformly, or, given a per-series ``level``,
    with probability proportional to it (origins uniform within a series). Drawing rows in
    proportion to the level is the unweighted equivalent of weighting each row by it. Rows whose
    target period is ``censored`` (ended out of stock) are dropped: their sales are not demand.
    """
    rows = _sample_rows(start, end, horizon, max_rows, rng, max_periods, level)
    if censored is None or rows[0].size == 0:
        return rows
    keep = ~censored[rows[0], rows[1] + rows[2] - 1]
    return rows[0][keep], rows[1][keep], rows[2][keep]


def _sample_rows(
    start: np.ndarray,
    end: int,
    horizon: int,
    max_rows: int,
    rng: np.random.Generator,
    max_periods: int | None,
    level: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, counts = candidate_rows(start, end, horizon, max_periods)
    cum = np.cumsum(counts)
    total = int(cum[-1]) if cum.size else 0
    if total == 0:
        empty = np.array([], np.int64)
        return empty, empty, empty
    if total > max_rows and level is not None:
        mass = counts * np.repeat(np.maximum(level, 0.0), horizon)
        if mass.sum() > 0:
            pair = np.sort(rng.choice(counts.size, size=max_rows, p=mass / mass.sum()))
            offset = rng.integers(0, counts[pair])
            s, h = np.divmod(pair, horizon)
            return s.astype(np.int64), (lo[s] + offset).astype(np.int64), (h + 1).astype(np.int64)
    if total <= max_rows:
        flat = np.arange(total, dtype=np.int64)
    else:
        flat = np.unique(rng.integers(0, total, size=max_rows, dtype=np.int64))
    pair = np.searchsorted(cum, flat, side="right")
    offset = flat - (cum[pair] - counts[pair])
    s, h = np.divmod(pair, horizon)
    return s.astype(np.int64), (lo[s] + offset).astype(np.int64), (h + 1).astype(np.int64)


def training_level(history: History, end: int) -> np.ndarray:
    """Each series' mean units per period from its first sale up to ``end`` (the sampling level)."""
    periods = np.maximum(end - history.start, 1)
    return history.csum[:, end] / periods


def categorical_mask(names: list[str], codes: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Which feature columns the trees should split as categories."""
    mask = np.zeros(len(names), bool)
    for j, name in enumerate(spec.categorical):
        if codes[:, j].max(initial=0) < MAX_CATEGORIES:
            mask[names.index(name)] = True
    for name in ("festival", "next_festival"):
        if name in names:
            mask[names.index(name)] = True
    return mask


#: Features only the "units" variant sees.
UNIT_FEATURE_PREFIXES = ("units_lag_", "units_mean_")


def variant_columns(names: list[str], variant: str) -> np.ndarray:
    """Indices of the feature columns a variant's estimator is fit on."""
    if variant == "units":
        return np.arange(len(names))
    if variant == "scaled":
        return np.array([j for j, n in enumerate(names) if not n.startswith(UNIT_FEATURE_PREFIXES)])
    raise ValueError(f"unknown feature variant {variant!r}; expected 'scaled' or 'units'")


@dataclass(frozen=True, eq=False)
class GlobalEstimator:
    """Fitted estimators (one per feature variant) plus what is needed to featurise a panel."""

    estimators: tuple[HistGradientBoostingRegressor, ...]
    columns: tuple[np.ndarray, ...]  # feature columns of each estimator
    spec: FeatureSpec
    encoders: Encoders
    feature_names: tuple[str, ...]
    n_train_rows: int
    boosting: BoostingParams
    #: Largest multiplier of the scale the model may serve (the training targets' cap).
    max_ratio: float = float("inf")
    feature_version: int = FEATURE_VERSION


def is_current(fitted: GlobalEstimator | None) -> bool:
    """Whether ``fitted`` featurises panels the way this engine does (False for older pickles)."""
    return fitted is not None and getattr(fitted, "feature_version", 1) == FEATURE_VERSION


def featurise(
    panel: Panel,
    history: History,
    codes: np.ndarray,
    spec: FeatureSpec,
    rows: tuple[np.ndarray, np.ndarray, np.ndarray],
    festivals: pd.DataFrame | None,
) -> tuple[np.ndarray, list[str]]:
    s, o, step = rows
    parts: list[np.ndarray] = []
    names: list[str] = []
    for i in range(0, max(len(s), 1), CHUNK_ROWS):
        x, names = make_features(
            panel,
            history,
            codes,
            spec,
            s[i : i + CHUNK_ROWS],
            o[i : i + CHUNK_ROWS],
            step[i : i + CHUNK_ROWS],
            festivals,
        )
        parts.append(x)
    return (np.concatenate(parts) if len(parts) > 1 else parts[0]), names


def train_global(
    panel: Panel,
    *,
    spec: FeatureSpec,
    horizon: int,
    end: int,
    max_rows: int,
    boosting: BoostingParams,
    festivals: pd.DataFrame | None,
    random_state: int,
    max_periods: int | None = None,
    prepared: tuple[Encoders, History, np.ndarray] | None = None,
) -> GlobalEstimator | None:
    """Fit on targets before period ``end``; None when there is no training row at all."""
    rng = np.random.default_rng(random_state)
    if prepared is None:
        encoders = Encoders.fit(panel)
        history, codes = build_history(panel, encoders)
    else:
        encoders, history, codes = prepared
    level = training_level(history, end) if boosting.scale_target else None
    censored = None if panel.censored is None else panel.censored[:, :end]
    rows = sample_rows(panel.start, end, horizon, max_rows, rng, max_periods, level, censored)
    if rows[0].size == 0:
        return None
    x, names = featurise(panel, history, codes, spec, rows, festivals)
    y = panel.units[rows[0], rows[1] + rows[2] - 1].astype(np.float64)
    weight = None
    max_ratio = float("inf")
    if boosting.scale_target:
        # Poisson deviance is linear in scale: fitting y/scale with weight scale is the same
        # loss as fitting y with log(scale) as a fixed offset. A sample drawn in proportion to
        # the series' level already carries that weight (up to the level's drift within the
        # series), so only a complete set of rows is weighted explicitly: weighted fits bin
        # the features with weighted quantiles, which costs as much as the boosting itself.
        # Weights are normalised to mean 1 so the regularisation (an absolute hessian sum) means
        # the same whatever unit the chain counts in.
        scale = series_scale(history, spec, rows[0], rows[1])
        y = y / scale
        cap = float(np.quantile(y, TARGET_CAP_QUANTILE))
        max_ratio = max(cap, float(np.max(y[y <= cap], initial=0.0)), 1e-9)
        y = np.minimum(y, max_ratio)
        if candidate_rows(panel.start, end, horizon, max_periods)[1].sum() <= max_rows:
            weight = scale / scale.mean()
    # A feature that is missing in every row (e.g. last year's sales in a short history) would
    # break the binning; a constant column is never split on, so it is harmless at predict time.
    x[:, np.all(np.isnan(x), axis=0)] = 0.0
    mask = categorical_mask(names, codes, spec)
    estimators, columns = [], []
    k = len(boosting.variants)
    # A drawn sample is shared out between the members (each fits on every k-th row), so the
    # ensemble costs one fit; a complete set of rows is small, and every member fits on all.
    split = k > 1 and weight is None
    for j, variant in enumerate(boosting.variants):
        cols = variant_columns(names, variant)
        part = slice(j, None, k) if split else slice(None)
        model = HistGradientBoostingRegressor(
            loss="poisson",
            learning_rate=boosting.learning_rate,
            max_iter=boosting.max_iter,
            max_leaf_nodes=boosting.max_leaf_nodes,
            min_samples_leaf=boosting.min_samples_leaf,
            l2_regularization=boosting.l2_regularization,
            max_features=boosting.max_features,
            categorical_features=mask[cols],
            early_stopping=False,
            random_state=random_state + j,
        )
        xj = x[part, cols] if cols.size < x.shape[1] else x[part]
        model.fit(xj, y[part], sample_weight=None if weight is None else weight[part])
        estimators.append(model)
        columns.append(cols)
    return GlobalEstimator(
        estimators=tuple(estimators),
        columns=tuple(columns),
        spec=spec,
        encoders=encoders,
        feature_names=tuple(names),
        n_train_rows=int(y.size),
        boosting=boosting,
        max_ratio=max_ratio,
    )


def predict_global(
    fitted: GlobalEstimator,
    panel: Panel,
    origin: int,
    horizon: int,
    festivals: pd.DataFrame | None,
    prepared: tuple[History, np.ndarray] | None = None,
) -> np.ndarray:
    """Mean forecasts [n_series, horizon] for periods ``origin .. origin + horizon - 1``."""
    history, codes = prepared if prepared is not None else build_history(panel, fitted.encoders)
    n = panel.n_series
    s = np.repeat(np.arange(n), horizon)
    step = np.tile(np.arange(1, horizon + 1), n)
    o = np.full(s.size, origin, np.int64)
    x, _ = featurise(panel, history, codes, fitted.spec, (s, o, step), festivals)
    if not is_current(fitted):
        raise ValueError("the estimator was fit on another feature set; refit it")
    mean = np.zeros(s.size)
    with np.errstate(over="ignore", invalid="ignore"):
        for model, cols in zip(fitted.estimators, fitted.columns, strict=True):
            part = np.empty(s.size)
            for i in range(0, s.size, CHUNK_ROWS):
                chunk = x[i : i + CHUNK_ROWS]
                part[i : i + CHUNK_ROWS] = model.predict(
                    chunk[:, cols] if cols.size < x.shape[1] else chunk
                )
            if fitted.boosting.scale_target:
                part = np.minimum(part, fitted.max_ratio)
            mean += part / len(fitted.estimators)
        if fitted.boosting.scale_target:
            mean = mean * series_scale(history, fitted.spec, s, o)
    # Non-finite values are left for the caller's guard, which replaces the whole series.
    return np.maximum(mean.reshape(n, horizon), 0.0)
