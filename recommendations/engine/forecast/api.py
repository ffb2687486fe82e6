"""The public contract: ``fit(panel, params) -> ForecastModel`` and ``predict(model, panel)``.

``fit`` holds out the last ``horizon`` periods as a validation origin: the model trained without
them forecasts them, and those out-of-sample errors calibrate the quantiles (and pick the fallback
baseline). That held-out model serves (``refit=True`` refits it on all the history). If it cannot
be fit (too little history or too few training rows) a baseline answers, and the model says so in
``fallback_reason``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .baselines import BASELINES, baseline_forecast
from .calendar import default_festivals
from .features import Encoders, FeatureSpec, build_history
from .global_model import BoostingParams, GlobalEstimator, predict_global, train_global
from .metrics import revenue_weights, rmsse, squared_scale, wrmsse
from .panel import Panel
from .uncertainty import Calibration, fit_calibration, nb_quantile

GLOBAL = "global"
#: Baselines the automatic fallback chooses among on the validation origin.
FALLBACK_CANDIDATES = ("seasonal_naive", "moving_average", "ses", "tsb")


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


def _point(
    method: str,
    estimator: GlobalEstimator | None,
    panel: Panel,
    origin: int,
    horizon: int,
    festivals: pd.DataFrame | None,
    prepared: tuple | None = None,
) -> np.ndarray:
    """Mean forecasts for series of ``panel`` from history before ``origin``."""
    if method == GLOBAL:
        assert estimator is not None
        return predict_global(estimator, panel, origin, horizon, festivals, prepared)
    return baseline_forecast(method, panel.units[:, :origin], panel.start, horizon, panel.season)


def _validation_score(
    panel: Panel, origin: int, horizon: int, mean: np.ndarray, live: np.ndarray
) -> float:
    actual = panel.units[live, origin : origin + horizon]
    hist = panel.units[live, :origin]
    scores = rmsse(actual, mean[live], squared_scale(hist, panel.start[live]))
    price = None if panel.price is None else panel.price[live]
    return wrmsse(scores, revenue_weights(hist, price, horizon))


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

    def baseline_model(name: str, reason: str | None) -> ForecastModel:
        if not can_validate or not live.any():
            return ForecastModel(
                method=name, calibration=Calibration.poisson(h), fallback_reason=reason, **common
            )
        mean = _point(name, None, panel, valid_origin, h, fest)
        return ForecastModel(
            method=name,
            fallback_reason=reason,
            calibration=fit_calibration(
                panel.units[live, valid_origin:], mean[live], random_state=params.random_state
            ),
            validation_wrmsse=_validation_score(panel, valid_origin, h, mean, live),
            **common,
        )

    def fallback(reason: str) -> ForecastModel:
        if not can_validate or not live.any():
            return baseline_model("ses", reason)
        scores = {}
        for name in FALLBACK_CANDIDATES:
            mean = _point(name, None, panel, valid_origin, h, fest)
            scores[name] = _validation_score(panel, valid_origin, h, mean, live)
        best = min(scores, key=lambda k: (np.nan_to_num(scores[k], nan=np.inf), k))
        return baseline_model(best, reason)

    if params.method != GLOBAL:
        return baseline_model(params.method, None)
    if not can_validate:
        return fallback(f"history of {panel.n_obs} periods is too short for a validation origin")
    n_rows = int(np.maximum(valid_origin - h - panel.start, 0).sum())
    if n_rows < params.min_train_rows:
        return fallback(f"only about {n_rows} training rows (< {params.min_train_rows})")

    spec = FeatureSpec.for_panel(panel, params.use_planned)
    encoders = Encoders.fit(panel)
    history, codes = build_history(panel, encoders)
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
    mean = predict_global(held_out, panel, valid_origin, h, fest, (history, codes))
    calibration = fit_calibration(
        panel.units[live, valid_origin:], mean[live], random_state=params.random_state
    )
    score = _validation_score(panel, valid_origin, h, mean, live)
    final = train_global(panel, end=panel.n_obs, **kwargs) if params.refit else held_out
    return ForecastModel(
        method=GLOBAL,
        calibration=calibration,
        estimator=final or held_out,
        validation_wrmsse=score,
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
    mean = _point(model.method, model.estimator, panel, origin, h, model.festivals)
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
    )


__all__ = ["ForecastModel", "ForecastParams", "ForecastResult", "fit", "predict"]
