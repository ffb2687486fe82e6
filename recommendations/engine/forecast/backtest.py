"""Rolling-origin backtest and the promotion rule the nightly pipeline applies.

Origins are consecutive: with ``origins=3`` and ``horizon=4`` the last 12 periods form three
4-period test windows, and each forecaster is refit at each origin on the history before it only
(``Panel.cut`` drops later units, so a forecaster cannot peek). Scores pool the origins.

Periods that ended out of stock (``Panel.censored``) are scored apart: their sales are a floor of
demand, so the accuracy figures use the observed cells only, and the censored cells report how
far above their (censored) sales the forecast was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import metrics
from .api import ForecastParams, fit, predict
from .panel import Panel

#: A forecaster for the backtest: (panel cut at the origin, horizon) -> mean, p50, p90 ([n, H];
#: the quantiles may be None), optionally followed by the number of series its guard replaced.
#: Lets external models (the bench's peers) be scored identically.
Forecaster = Callable[[Panel, int], tuple]


@dataclass(frozen=True)
class ModelScore:
    """Backtest scores of one model pooled over origins (lower is better except coverage)."""

    name: str
    wrmsse: float  # mean over origins of revenue-weighted RMSSE
    mean_rmsse: float
    mase: float
    bias: float  # (sum forecast - sum actual) / sum actual
    pinball50: float  # scaled by each series' mean absolute change, like MASE
    pinball90: float
    coverage90: float  # share of actuals at or below P90 (target 0.9)
    seconds: float
    origin_wrmsse: tuple[float, ...]
    guarded: int = 0  # series x origins whose forecast the guard replaced by a baseline
    censored_cells: int = 0  # test cells that ended out of stock (scored apart)
    censored_lift: float = float("nan")  # forecast / sales on those cells (sales are a floor)


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reasons: tuple[str, ...]
    ratio_to_best_baseline: float
    ratio_to_previous: float | None


def origins_for(panel: Panel, horizon: int, n_origins: int) -> list[int]:
    """The consecutive origins whose windows end at the last observed period."""
    first = panel.n_obs - horizon * n_origins
    if first < 2:
        raise ValueError("not enough history for that many origins")
    return [first + i * horizon for i in range(n_origins)]


def model_forecaster(params: ForecastParams, festivals: pd.DataFrame | None = None) -> Forecaster:
    """Wrap ``fit`` + ``predict`` as a backtest forecaster."""

    def run(cut: Panel, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        result = predict(fit(cut, params, festivals), cut, horizon)
        return result.mean, result.p50, result.p90, result.guarded

    return run


@dataclass
class _Pool:
    wrmsse: list[float]
    rmsse: list[np.ndarray]
    mase: list[np.ndarray]
    pin50: list[np.ndarray]
    pin90: list[np.ndarray]
    covered: list[float]
    actual_sum: float = 0.0
    forecast_sum: float = 0.0
    seconds: float = 0.0
    guarded: int = 0
    censored_cells: int = 0
    censored_actual: float = 0.0
    censored_forecast: float = 0.0


def backtest(
    panel: Panel,
    forecasters: Mapping[str, Forecaster],
    *,
    horizon: int,
    origins: int,
    use_planned: bool = True,
) -> dict[str, ModelScore]:
    """Score each forecaster over ``origins`` consecutive windows of ``horizon`` periods."""
    pools = {name: _Pool([], [], [], [], [], []) for name in forecasters}
    for origin in origins_for(panel, horizon, origins):
        cut = panel.cut(origin, horizon, keep_planned=use_planned)
        live = panel.start < origin
        actual = panel.units[live, origin : origin + horizon].astype(np.float64)
        seen = None
        if panel.censored is not None:
            seen = ~panel.censored[live, origin : origin + horizon]
        hist = cut.units
        scale_sq = metrics.squared_scale(hist, cut.start)
        scale_abs = metrics.absolute_scale(hist, cut.start)
        price = None if panel.price is None else panel.price[live]
        weights = metrics.revenue_weights(hist, price, horizon)
        for name, forecaster in forecasters.items():
            began = time.perf_counter()
            out = forecaster(cut, horizon)
            mean, p50, p90 = out[0], out[1], out[2]
            pool = pools[name]
            pool.seconds += time.perf_counter() - began
            pool.guarded += int(out[3]) if len(out) > 3 else 0
            r = metrics.rmsse(actual, mean, scale_sq, seen)
            r = np.where(np.isfinite(mean).all(axis=1) | np.isnan(scale_sq), r, np.inf)
            pool.wrmsse.append(metrics.wrmsse(r, weights))
            pool.rmsse.append(r)
            pool.mase.append(metrics.mase(actual, mean, scale_abs, seen))
            ok = np.ones(actual.shape, bool) if seen is None else seen
            with np.errstate(over="ignore", invalid="ignore"):
                pool.actual_sum += float(actual[ok].sum())
                pool.forecast_sum += float(mean[ok].sum())
                if seen is not None:
                    pool.censored_cells += int((~seen).sum())
                    pool.censored_actual += float(actual[~seen].sum())
                    pool.censored_forecast += float(mean[~seen].sum())
            if p50 is not None:
                pool.pin50.append(metrics.pinball(actual, p50, 0.5, seen) / scale_abs)
            if p90 is not None:
                pool.pin90.append(metrics.pinball(actual, p90, 0.9, seen) / scale_abs)
                pool.covered.append(metrics.coverage(actual, p90, seen))
    return {name: _summarise(name, pool) for name, pool in pools.items()}


def _nanmean(parts: list[np.ndarray]) -> float:
    if not parts:
        return float("nan")
    values = np.concatenate(parts)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def _summarise(name: str, pool: _Pool) -> ModelScore:
    return ModelScore(
        name=name,
        wrmsse=float(np.mean(pool.wrmsse)) if pool.wrmsse else float("nan"),
        mean_rmsse=_nanmean(pool.rmsse),
        mase=_nanmean(pool.mase),
        bias=(
            (pool.forecast_sum - pool.actual_sum) / pool.actual_sum
            if pool.actual_sum and np.isfinite(pool.forecast_sum)
            else np.nan
        ),
        pinball50=_nanmean(pool.pin50),
        pinball90=_nanmean(pool.pin90),
        coverage90=float(np.mean(pool.covered)) if pool.covered else float("nan"),
        seconds=pool.seconds,
        origin_wrmsse=tuple(pool.wrmsse),
        guarded=pool.guarded,
        censored_cells=pool.censored_cells,
        censored_lift=(
            pool.censored_forecast / pool.censored_actual if pool.censored_actual > 0 else np.nan
        ),
    )


def compare_models(
    candidate: ModelScore,
    baselines: Sequence[ModelScore],
    previous: ModelScore | None = None,
    *,
    max_ratio_to_baseline: float = 1.0,
    max_ratio_to_previous: float = 1.0,
    coverage_band: tuple[float, float] = (0.85, 0.95),
) -> PromotionDecision:
    """Should ``candidate`` replace the model in service?

    It must beat the best baseline (WRMSSE ratio below ``max_ratio_to_baseline``), not be worse
    than the previous model beyond ``max_ratio_to_previous``, and have P90 coverage in the band.
    """
    reasons: list[str] = []
    best = min(baselines, key=lambda s: s.wrmsse)
    to_base = candidate.wrmsse / best.wrmsse
    ok = bool(np.isfinite(to_base)) and to_base < max_ratio_to_baseline
    reasons.append(
        f"WRMSSE {candidate.wrmsse:.4f} is {to_base:.3f}x the best baseline {best.name} "
        f"({best.wrmsse:.4f}): {'beats' if ok else 'does not beat'} it"
    )
    to_prev = None
    if previous is not None:
        to_prev = candidate.wrmsse / previous.wrmsse
        prev_ok = to_prev <= max_ratio_to_previous
        ok = ok and prev_ok
        reasons.append(
            f"{to_prev:.3f}x the previous model ({previous.wrmsse:.4f}): "
            f"{'acceptable' if prev_ok else 'worse'}"
        )
    lo, hi = coverage_band
    cov_ok = np.isnan(candidate.coverage90) or lo <= candidate.coverage90 <= hi
    ok = ok and bool(cov_ok)
    reasons.append(
        f"P90 coverage {candidate.coverage90:.3f} {'within' if cov_ok else 'outside'} "
        f"{lo:.2f}-{hi:.2f}"
    )
    return PromotionDecision(
        promote=ok,
        reasons=tuple(reasons),
        ratio_to_best_baseline=float(to_base),
        ratio_to_previous=to_prev,
    )
