"""Feature rows for the global model: one row per (series, origin, step).

A row describes what is known just before period ``origin`` (history) plus what is planned for the
target period ``origin + step - 1`` (calendar, festivals, price and promotion plans). Nothing here
reads units at or after the origin; ``tests/engine`` checks that by perturbing the future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import calendar_features
from .history import History
from .panel import PERIOD_DAYS, Panel

#: Frozen lists per frequency: short lags every period, then the windows a buyer thinks in.
LAGS = {"D": (1, 2, 3, 4, 5, 6, 7, 14, 21, 28), "W": (1, 2, 3, 4, 5, 6, 8, 13)}
WINDOWS = {"D": (7, 14, 28, 56, 112, 364), "W": (4, 8, 13, 26, 52)}


@dataclass(frozen=True)
class FeatureSpec:
    """Which features the model sees; fixed at fit time and reused at predict time."""

    freq: str
    lags: tuple[int, ...]
    windows: tuple[int, ...]
    use_planned: bool
    flag_names: tuple[str, ...]
    has_price: bool
    categorical: tuple[str, ...] = ("store", "product", "category")
    #: Also give the trees lags and means in units (over ``unit_scale``) beside the scaled ones,
    #: so they can tell a slow seller from a fast one at the same relative pattern.
    raw_units: bool = False
    #: The chain's typical level (median over series of the mean units a period, learnt at fit
    #: time): unit-valued features are divided by it, so multiplying every unit count of a
    #: chain by 1,000 leaves them unchanged.
    unit_scale: float = 1.0

    @classmethod
    def for_panel(cls, panel: Panel, use_planned: bool, raw_units: bool = False) -> FeatureSpec:
        return cls(
            raw_units=raw_units,
            freq=panel.freq,
            lags=LAGS[panel.freq],
            windows=WINDOWS[panel.freq],
            use_planned=use_planned and panel.has_planned,
            flag_names=tuple(sorted(panel.flags)),
            has_price=panel.price_ratio is not None,
        )


@dataclass(frozen=True, eq=False)
class Encoders:
    """Integer codes of stores, products and categories, learnt at fit time."""

    stores: pd.Index
    products: pd.Index
    categories: pd.Index

    @classmethod
    def fit(cls, panel: Panel) -> Encoders:
        cats = panel.category if panel.category is not None else np.array([""] * panel.n_series)
        return cls(
            stores=pd.Index(pd.unique(panel.store_ids)),
            products=pd.Index(pd.unique(panel.product_ids)),
            categories=pd.Index(pd.unique(cats)),
        )

    def codes(self, panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes for a panel; ids unseen at fit time get -1 (the model treats them as missing)."""
        cats = panel.category if panel.category is not None else np.array([""] * panel.n_series)
        return (
            self.stores.get_indexer(panel.store_ids),
            self.products.get_indexer(panel.product_ids),
            self.categories.get_indexer(cats),
        )


def _group_codes(codes: np.ndarray) -> np.ndarray:
    """Dense non-negative codes for group sums (unseen ids form their own groups)."""
    return pd.factorize(codes)[0].astype(np.int64)


def build_history(panel: Panel, encoders: Encoders) -> tuple[History, np.ndarray]:
    """Prefix sums of ``panel`` and the [n, 3] static code matrix (store, product, category)."""
    codes = np.stack(encoders.codes(panel), axis=1)
    history = History.build(
        panel, _group_codes(codes[:, 0]), _group_codes(codes[:, 1]), _group_codes(codes[:, 2])
    )
    return history, codes


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def series_scale(history: History, spec: FeatureSpec, s: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Each row's demand level at its origin, in units: the scale the model learns relative to.

    The recent mean (``windows[2]`` periods), held up to a quarter of the longer-run mean so a
    series that went quiet (or sold at a loss-making trickle) does not turn its next normal
    period into a ratio in the thousands; the mean since the first sale where both are missing.
    Everything here is linear in units, so multiplying a chain's units by any factor multiplies
    the scale by it and leaves every ratio the model sees unchanged.
    """
    recent = history.mean(s, o, spec.windows[2])
    longer = history.mean(s, o, spec.windows[-1])
    since = history.mean(s, o, history.units.shape[1])
    held = np.fmax(recent, 0.25 * longer)  # fmax: a missing side gives way to the other
    out = np.where(held > 0, held, since)
    out = np.where(np.isfinite(out) & (out > 0), out, np.nan)
    # Censored throughout, or never seen: fall back to the plain mean of what was sold.
    out = np.where(np.isnan(out), history.plain_mean(s, o), out)
    return np.maximum(out, 1e-9)


#: Steps per doubling of the units features' log2 grid (about 2% apart).
_UNITS_GRID = 32


def _chain_units(values: np.ndarray, unit_scale: float) -> np.ndarray:
    """log2 of ``values / unit_scale`` on a grid of 1/32 (zero at the grid's floor, 2**-30).

    The grid makes the feature exactly the same when every unit count is multiplied by a
    constant: the ratio then differs only in its last bits, which would otherwise move rows
    across the trees' bin edges and change the fit.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2(np.maximum(values / unit_scale, 2.0**-30))
    return np.round(ratio * _UNITS_GRID) / _UNITS_GRID


def _nanmean(stack: np.ndarray) -> np.ndarray:
    """Mean over axis 0 ignoring NaN; NaN where every value is missing (without a warning)."""
    count = np.sum(~np.isnan(stack), axis=0)
    total = np.nansum(stack, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def make_features(
    panel: Panel,
    history: History,
    codes: np.ndarray,
    spec: FeatureSpec,
    s: np.ndarray,
    o: np.ndarray,
    step: np.ndarray,
    festivals: pd.DataFrame | None,
) -> tuple[np.ndarray, list[str]]:
    """Feature matrix (float32 [rows, features]) and names for rows ``(s, o, step)``.

    Scale-free: no feature is in units except ``log_level`` (see :func:`series_scale`).

    ``o`` is the first forecast period (history is ``0 .. o-1``); the target is ``o + step - 1``,
    whose covariates must exist in ``panel`` (planned or neutral).
    """
    cols: dict[str, np.ndarray] = {}
    t = o + step - 1
    p = PERIOD_DAYS[spec.freq]
    w_short, w_mid, w_long = spec.windows[0], spec.windows[2], spec.windows[-1]
    cols["step"] = step.astype(np.float64)

    # Every unit-valued feature is relative to the row's scale (the level the target is divided
    # by), so one split means the same for a slow and a fast seller and for any unit of count;
    # the scale itself enters once, as its logarithm.
    scale = series_scale(history, spec, s, o)
    for k in spec.lags:
        lag = history.value(s, o - k, o)
        cols[f"lag_{k}_rel"] = lag / scale
        if spec.raw_units:
            cols[f"units_lag_{k}"] = _chain_units(lag, spec.unit_scale)
    for w in spec.windows:
        m = history.mean(s, o, w)
        cols[f"mean_{w}_rel"] = m / scale
        if spec.raw_units:
            cols[f"units_mean_{w}"] = _chain_units(m, spec.unit_scale)
    cols["log_level"] = np.log(scale)
    for w in (w_short, w_mid):
        n = history.active_count(s, o, w)
        sq = history.window(history.csum_sq, s, o, w)
        m = history.mean(s, o, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(n > 1, sq / np.maximum(n, 1) - m * m, np.nan)
        cols[f"cv_{w}"] = _ratio(np.sqrt(np.maximum(var, 0.0)), m)
    for w in (w_mid, w_long):
        n = history.active_count(s, o, w)
        nz = history.window(history.nonzero, s, o, w)
        cols[f"zero_share_{w}"] = _ratio(n - nz, n.astype(np.float64))
    last = history.last_sale[s, o - 1]
    cols["since_last_sale"] = (o - 1 - last).astype(np.float64)
    cols["age"] = (o - history.start[s]).astype(np.float64)

    # Seasonality: the most recent same phase (weekday for daily data) and the same time last year.
    season = 7 // p if p < 7 else 0
    if season:
        back = season * np.ceil(step / season).astype(np.int64)
        same = [history.value(s, t - back - season * j, o) for j in range(4)]
        cols["same_phase_lag_rel"] = same[0] / scale
        cols["same_phase_mean_rel"] = _nanmean(np.stack(same)) / scale
    year = 364 // p
    near = max(7 // p, 1)
    year_vals = np.stack([history.value(s, t - year + d, o) for d in (-near, 0, near)])
    year_mean = _nanmean(year_vals)
    year_base = history.mean(s, np.maximum(o - year, 0), w_mid)
    cols["year_lift"] = _ratio(year_mean, year_base)
    cols["year_lag_rel"] = year_mean / scale

    # Hierarchy: how the store, the product across stores and the category move right now.
    for name, group in (
        ("store", history.stores),
        ("product", history.products),
        ("category", history.categories),
    ):
        recent = group.mean(s, o, w_short)
        base = group.mean(s, o, w_long)
        cols[f"{name}_trend"] = _ratio(recent, base)
        if name != "store":
            cols[f"{name}_share"] = _ratio(history.mean(s, o, w_mid), group.mean(s, o, w_mid))

    # Promotions in the history: how much a promotion lifts this series, and the base demand.
    if history.promo is not None:
        assert history.promo_count is not None and history.promo_units is not None
        n = history.active_count(s, o, w_long)
        n_promo = history.window(history.promo_count, s, o, w_long).astype(np.float64)
        u_promo = history.window(history.promo_units, s, o, w_long)
        u_all = history.window(history.csum, s, o, w_long)
        base_level = _ratio(u_all - u_promo, n - n_promo)
        cols["promo_share"] = _ratio(n_promo, n.astype(np.float64))
        cols["base_level_rel"] = base_level / scale
        cols["promo_lift"] = _ratio(_ratio(u_promo, n_promo), base_level)
        cols["promo_last"] = history.promo[s, o - 1].astype(np.float64)
        if spec.use_planned:
            cols["promo_target"] = history.promo[s, t].astype(np.float64)
            cols["promo_before_target"] = history.promo[s, t - 1].astype(np.float64)
            cols["promo_lift_target"] = cols["promo_target"] * cols["promo_lift"]
    if spec.use_planned:
        for f in spec.flag_names:
            cols[f] = panel.flags[f][s, t].astype(np.float64)
        if spec.has_price and panel.price_ratio is not None:
            cols["price_ratio"] = panel.price_ratio[s, t].astype(np.float64)
            cols["price_ratio_before"] = panel.price_ratio[s, t - 1].astype(np.float64)
            if panel.price is not None and history.price_csum is not None:
                mean_price = _ratio(
                    history.window(history.price_csum, s, o, w_long),
                    np.minimum(o, w_long).astype(np.float64),
                )
                cols["price_index"] = _ratio(panel.price[s, t].astype(np.float64), mean_price)

    cal = calendar_features(panel.dates, spec.freq, festivals)
    for name, values in cal.items():
        cols[name] = values[t]
    for j, name in enumerate(spec.categorical):
        code = codes[s, j].astype(np.float64)
        cols[name] = np.where(code >= 0, code, np.nan)

    names = list(cols)
    matrix = np.empty((len(s), len(names)), np.float32)
    for j, name in enumerate(names):
        matrix[:, j] = cols[name]
    return matrix, names
