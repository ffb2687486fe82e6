"""The public contract: ``fit(panel, params) -> ForecastModel`` and ``predict(model, panel)``.

``fit`` holds out the last ``horizon`` periods as a validation origin: the model trained without
them forecasts them, beside every candidate baseline, and those out-of-sample errors choose what
each segment of series is served (``selection``: the global model, a baseline or a blend) and then
calibrate the quantiles. That held-out model serves (``refit=True`` refits it on all the history).
If it cannot be fit (too little history or too few training rows) the baselines answer, chosen
the same way, and the model says so in ``fallback_reason``. Whatever answers, a series whose
forecast is non-finite, negative or absurd is served its segment's best baseline instead, and
counted (``ForecastResult.guarded``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import selection as sel
from .baselines import BASELINES, baseline_forecast
from .calendar import default_festivals
from .features import WINDOWS, Encoders, FeatureSpec, build_history
from .global_model import (
    BoostingParams,
    GlobalEstimator,
    is_current,
    predict_global,
    train_global,
    training_level,
)
from .metrics import revenue_weights, rmsse, squared_scale, wrmsse
from .panel import Panel
from .uncertainty import Calibration, fit_calibration, nb_quantile

GLOBAL = "global"
#: The method of a model whose global estimator could not be fit: baselines chosen per segment.
BASELINES_SELECTED = "baselines"


@dataclass(frozen=True)
class ForecastParams:
    """What to fit. ``method`` is ``"global"`` or one of the baselines' names."""

    horizon: int = 14
    method: str = GLOBAL
    use_planned: bool = True  # use planned price/promotion of the target period as features
    max_rows: int = 200_000  # training rows sampled at most (cost stays flat with scale)
    max_train_periods: int | None = None  # only origins within this many recent periods
    min_train_rows: int = 2_000  # fewer candidate rows than this: fall back to a baseline
    # Serve the model fit before the validation origin, i.e. exactly the one whose held-out
    # errors calibrated the quantiles (split-conformal), at half the cost; True refits on all
    # history (fresher, but its quantiles are then borrowed from its predecessor).
    refit: bool = False
    festivals: bool = True  # use the festival calendar (built-in unless one is passed to fit)
    boosting: BoostingParams = field(default_factory=BoostingParams)
    random_state: int = 0
    #: Choose per segment between the global model and the baselines on the validation origin;
    #: False serves the global model alone (guarded), for comparison.
    select: bool = True
    #: Validation windows of ``horizon`` periods the baselines are compared on (the last one,
    #: on which the global model is judged, and earlier ones where the history allows).
    validation_windows: int = 3


@dataclass(frozen=True, eq=False)
class ForecastModel:
    """A fitted forecaster: picklable, self-contained (the registry stores it as the artifact)."""

    params: ForecastParams
    method: str  # what answers: "global" or a baseline name
    freq: str
    trained_through: pd.Timestamp  # date of the last history period used
    calibration: Calibration
    estimator: GlobalEstimator | None = None
    festivals: pd.DataFrame | None = None
    fallback_reason: str | None = None
    validation_wrmsse: float = float("nan")
    #: What each segment of series is served, chosen on the validation origin (None for a model
    #: fit as one named baseline).
    selection: sel.Selection | None = None
    #: Series whose validation forecast the guard replaced (non-finite, negative or absurd).
    guarded_series: int = 0


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """Forecasts for ``n`` series over ``horizon`` periods (arrays are [n, horizon]).

    ``mean`` is the expected units; ``p50``/``p90`` per-period quantiles. Quantiles of the total
    over the first ``periods`` periods at any level come from :meth:`total_quantiles`.
    """

    store_ids: np.ndarray
    product_ids: np.ndarray
    dates: pd.DatetimeIndex
    mean: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    calibration: Calibration
    method: str
    fallback_reason: str | None = None
    guarded: int = 0  # series whose forecast the guard replaced by their segment's baseline

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[1])

    def quantiles(self, level: float) -> np.ndarray:
        """Per-period quantile [n, horizon] at ``level`` (integer units)."""
        return np.stack(
            [
                nb_quantile(self.mean[:, h], self.calibration.step[h].k_for(self.mean[:, h]), level)
                for h in range(self.horizon)
            ],
            axis=1,
        )

    def total_mean(self, periods: int | None = None) -> np.ndarray:
        m = self.horizon if periods is None else periods
        return self.mean[:, :m].sum(axis=1)

    def total_quantiles(
        self,
        levels: Sequence[float],
        periods: int | None = None,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Quantiles [n, len(levels)] of total demand over the first ``periods`` periods.

        This is what safety stock needs: e.g. levels (0.8, 0.9, 0.95, 0.98) over lead time plus
        review period. ``rows`` (indices) restricts the answer to those series.
        """
        m = self.horizon if periods is None else periods
        if not 1 <= m <= self.horizon:
            raise ValueError(f"periods must be within 1..{self.horizon}")
        mu = self.total_mean(m)
        if rows is not None:
            mu = mu[rows]
        k = self.calibration.total[m - 1].k_for(mu)
        return np.stack([nb_quantile(mu, k, q) for q in levels], axis=1)

    def to_frame(self) -> pd.DataFrame:
        """Long frame: store_id, product_id, date, step, mean, p50, p90."""
        n, h = self.mean.shape
        return pd.DataFrame(
            {
                "store_id": np.repeat(self.store_ids, h),
                "product_id": np.repeat(self.product_ids, h),
                "date": np.tile(self.dates.to_numpy(), n),
                "step": np.tile(np.arange(1, h + 1), n),
                "mean": self.mean.ravel(),
                "p50": self.p50.ravel(),
                "p90": self.p90.ravel(),
            }
        )


def _segments(panel: Panel, origin: int, live: np.ndarray) -> sel.Segments:
    windows = WINDOWS[panel.freq]
    observed = panel.observed
    return sel.Segments.fit(
        panel.units[live, :origin],
        panel.start[live],
        None if observed is None else observed[live, :origin],
        window=windows[-1],
        age_edges=(windows[2], windows[-1]),
    )


def _serve(
    model: ForecastModel, panel: Panel, origin: int, horizon: int, prepared: tuple | None = None
) -> tuple[np.ndarray, int]:
    """Mean forecasts [n, horizon] from history before ``origin``, and the series guarded."""
    observed = panel.observed
    units = panel.units[:, :origin]
    obs = None if observed is None else observed[:, :origin]
    selection = getattr(model, "selection", None)
    if model.method in (GLOBAL, BASELINES_SELECTED) and (
        selection is None or (model.method == GLOBAL and not is_current(model.estimator))
    ):
        # A model pickled by an older version of this engine: every series is served SES (and
        # counted as guarded) until the next training replaces the model.
        mean = baseline_forecast("ses", units, panel.start, horizon, panel.season, obs)
        return mean, panel.n_series
    if selection is None:
        mean = baseline_forecast(model.method, units, panel.start, horizon, panel.season, obs)
        return mean, 0
    g = None
    if model.method == GLOBAL:
        assert model.estimator is not None
        g = predict_global(model.estimator, panel, origin, horizon, model.festivals, prepared)
    return sel.serve(
        selection,
        global_mean=g,
        units=units,
        start=panel.start,
        observed=obs,
        horizon=horizon,
        season=panel.season,
    )


def _validation_score(
    panel: Panel, origin: int, horizon: int, mean: np.ndarray, live: np.ndarray
) -> float:
    actual = panel.units[live, origin : origin + horizon]
    hist = panel.units[live, :origin]
    observed = panel.observed
    seen = None if observed is None else observed[live, origin : origin + horizon]
    scores = rmsse(actual, mean[live], squared_scale(hist, panel.start[live]), seen)
    price = None if panel.price is None else panel.price[live]
    return wrmsse(scores, revenue_weights(hist, price, horizon))


def _held_out_actuals(panel: Panel, origin: int, horizon: int, live: np.ndarray) -> np.ndarray:
    """Validation actuals with censored cells as NaN (the calibration skips them)."""
    actual = panel.units[live, origin : origin + horizon].astype(np.float64)
    if panel.censored is not None:
        actual = np.where(panel.censored[live, origin : origin + horizon], np.nan, actual)
    return actual


def _window(panel: Panel, origin: int, horizon: int, segments: sel.Segments) -> sel.Window:
    """An earlier validation window: the baselines fit before ``origin`` against its actuals."""
    live = panel.start < origin
    observed = panel.observed
    hist = panel.units[live, :origin]
    obs = None if observed is None else observed[live, :origin]
    start = panel.start[live]
    price = None if panel.price is None else panel.price[live]
    return sel.Window(
        actual=panel.units[live, origin : origin + horizon].astype(np.float64),
        baselines={
            b: baseline_forecast(b, hist, start, horizon, panel.season, obs) for b in sel.CANDIDATES
        },
        scale_sq=squared_scale(hist, start),
        weights=revenue_weights(hist, price, horizon),
        codes=segments.assign(hist, start, obs),
        seen=None if observed is None else observed[live, origin : origin + horizon],
    )


def _select(
    panel: Panel,
    origin: int,
    horizon: int,
    live: np.ndarray,
    global_valid: np.ndarray | None,
    select: bool = True,
    windows: int = 1,
) -> tuple[sel.Selection, np.ndarray, int]:
    """Choose per segment on the validation origin; (selection, served validation mean, guarded).

    ``global_valid`` is the held-out global model's forecast of the validation periods for every
    series (None when there is no global model).
    """
    observed = panel.observed
    hist = panel.units[:, :origin]
    obs_hist = None if observed is None else observed[:, :origin]
    base = {
        b: baseline_forecast(b, hist, panel.start, horizon, panel.season, obs_hist)[live]
        for b in sel.CANDIDATES
    }
    segments = _segments(panel, origin, live)
    codes = segments.assign(
        hist[live], panel.start[live], None if obs_hist is None else obs_hist[live]
    )
    price = None if panel.price is None else panel.price[live]
    common: dict[str, Any] = {
        "actual": panel.units[live, origin : origin + horizon].astype(np.float64),
        "baselines": base,
        "scale_sq": squared_scale(hist[live], panel.start[live]),
        "weights": revenue_weights(hist[live], price, horizon),
        "codes": codes,
        "segments": segments,
        "seen": None if observed is None else observed[live, origin : origin + horizon],
    }
    common["earlier"] = [
        _window(panel, origin - k * horizon, horizon, segments)
        for k in range(1, windows)
        if origin - k * horizon >= 2 and (panel.start < origin - k * horizon).any()
    ]
    baselines_only = sel.choose(global_mean=None, **common)
    guarded = 0
    g = None
    rows_guarded = np.zeros(codes.size, bool)
    replacement = None
    if global_valid is not None:
        replacement = np.empty_like(global_valid[live])
        for seg in np.unique(codes):
            rows = codes == seg
            replacement[rows] = sel.combined(baselines_only.fallback[seg], base)[rows]
        highest = np.max(hist[live], axis=1, initial=0.0).astype(np.float64)
        g, rows_guarded = sel.guard(global_valid[live], replacement, np.maximum(highest, 1e-9))
        guarded = int(rows_guarded.sum())
    if g is None:
        chosen = baselines_only
    elif select:
        chosen = sel.choose(global_mean=g, **common)
    else:
        chosen = sel.Selection(
            segments=segments,
            serve=(sel.GLOBAL_ONLY,) * segments.n_segments,
            fallback=baselines_only.fallback,
            pooled=sel.GLOBAL_ONLY,
        )
    served = np.zeros((panel.n_series, horizon))
    live_rows = np.flatnonzero(live)
    for seg in np.unique(codes):
        rows = codes == seg
        served[live_rows[rows]] = sel.blend(chosen.serve[seg], g, base)[rows]
    if replacement is not None:
        served[live_rows[rows_guarded]] = replacement[rows_guarded]
    return chosen, served, guarded


def fit(
    panel: Panel, params: ForecastParams | None = None, festivals: pd.DataFrame | None = None
) -> ForecastModel:
    """Fit a forecaster on all of ``panel``'s history (see the module docstring)."""
    params = params or ForecastParams()
    h = params.horizon
    if params.method != GLOBAL and params.method not in BASELINES:
        raise ValueError(f"unknown method {params.method!r}")
    fest = None
    if params.festivals:
        fest = festivals if festivals is not None else default_festivals()
    valid_origin = panel.n_obs - h
    can_validate = valid_origin >= 2
    live = panel.start < valid_origin if can_validate else np.zeros(panel.n_series, bool)
    common: dict[str, Any] = {
        "params": params,
        "freq": panel.freq,
        "festivals": fest,
        "trained_through": panel.dates[panel.n_obs - 1],
    }

    def calibrated(mean: np.ndarray) -> Calibration:
        actual = _held_out_actuals(panel, valid_origin, h, live)
        return fit_calibration(actual, mean[live], random_state=params.random_state)

    def baseline_model(name: str) -> ForecastModel:
        if not can_validate or not live.any():
            return ForecastModel(method=name, calibration=Calibration.poisson(h), **common)
        model = ForecastModel(method=name, calibration=Calibration.poisson(h), **common)
        mean, _ = _serve(model, panel, valid_origin, h)
        return ForecastModel(
            method=name,
            calibration=calibrated(mean),
            validation_wrmsse=_validation_score(panel, valid_origin, h, mean, live),
            **common,
        )

    def fallback(reason: str) -> ForecastModel:
        if not can_validate or not live.any():
            return ForecastModel(
                method="ses", calibration=Calibration.poisson(h), fallback_reason=reason, **common
            )
        chosen, served, _ = _select(
            panel, valid_origin, h, live, None, windows=params.validation_windows
        )
        return ForecastModel(
            method=BASELINES_SELECTED,
            fallback_reason=reason,
            calibration=calibrated(served),
            validation_wrmsse=_validation_score(panel, valid_origin, h, served, live),
            selection=chosen,
            **common,
        )

    if params.method != GLOBAL:
        return baseline_model(params.method)
    if not can_validate:
        return fallback(f"history of {panel.n_obs} periods is too short for a validation origin")
    n_rows = int(np.maximum(valid_origin - h - panel.start, 0).sum())
    if n_rows < params.min_train_rows:
        return fallback(f"only about {n_rows} training rows (< {params.min_train_rows})")

    spec = FeatureSpec.for_panel(
        panel, params.use_planned, raw_units="units" in params.boosting.variants
    )
    encoders = Encoders.fit(panel)
    history, codes = build_history(panel, encoders)
    if spec.raw_units:
        level = training_level(history, valid_origin)
        typical = float(np.median(level[level > 0])) if (level > 0).any() else 1.0
        spec = dataclasses.replace(spec, unit_scale=typical)
    kwargs: dict[str, Any] = {
        "spec": spec,
        "horizon": h,
        "max_rows": params.max_rows,
        "boosting": params.boosting,
        "festivals": fest,
        "random_state": params.random_state,
        "max_periods": params.max_train_periods,
        "prepared": (encoders, history, codes),
    }
    held_out = train_global(panel, end=valid_origin, **kwargs)
    if held_out is None:
        return fallback("no training rows before the validation origin")
    global_valid = predict_global(held_out, panel, valid_origin, h, fest, (history, codes))
    chosen, served, guarded = _select(
        panel, valid_origin, h, live, global_valid, params.select, params.validation_windows
    )
    final = train_global(panel, end=panel.n_obs, **kwargs) if params.refit else held_out
    return ForecastModel(
        method=GLOBAL,
        calibration=calibrated(served),
        estimator=final or held_out,
        validation_wrmsse=_validation_score(panel, valid_origin, h, served, live),
        selection=chosen,
        guarded_series=guarded,
        **common,
    )


def predict(model: ForecastModel, panel: Panel, horizon: int | None = None) -> ForecastResult:
    """Forecast every series of ``panel`` for ``horizon`` periods after its history.

    Planned covariates for those periods are read from ``panel`` (see ``build_panel(future=...)``);
    periods without a plan are taken as full price, no promotion.
    """
    h = model.params.horizon if horizon is None else horizon
    if not 1 <= h <= model.params.horizon:
        raise ValueError(f"horizon must be within 1..{model.params.horizon} for this model")
    panel = panel.extend(h)
    origin = panel.n_obs
    mean, guarded = _serve(model, panel, origin, h)
    cal = model.calibration
    p50 = np.stack(
        [nb_quantile(mean[:, j], cal.step[j].k_for(mean[:, j]), 0.5) for j in range(h)], axis=1
    )
    p90 = np.stack(
        [nb_quantile(mean[:, j], cal.step[j].k_for(mean[:, j]), 0.9) for j in range(h)], axis=1
    )
    return ForecastResult(
        store_ids=panel.store_ids,
        product_ids=panel.product_ids,
        dates=panel.dates[origin : origin + h],
        mean=mean,
        p50=p50,
        p90=p90,
        calibration=Calibration(step=cal.step[:h], total=cal.total[:h]),
        method=model.method,
        fallback_reason=model.fallback_reason,
        guarded=guarded,
    )


__all__ = ["ForecastModel", "ForecastParams", "ForecastResult", "fit", "predict"]
