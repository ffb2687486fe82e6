"""How sales respond to shelf space, eye level and displays, per category, with shrinkage.

Per category, a Poisson regression of units on log(facings), eye-level and display flags, with
feature, TPR and price-cut controls, series (store x product) and period fixed effects: the
coefficients are identified only by changes within a series, net of what every series in the
category did that period. Category estimates are then shrunk toward a prior (literature values,
moved toward the pooled estimate when several categories have data): the thinner a category's
data (larger standard error), the closer it stays to the prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .poisson import FEFit, fit_poisson_fe
from .types import CategoryResponse, ResponseParams

ALIASES = {"store": "store_id", "product": "product_id", "period": "date"}
# effect name -> (regressor column, CategoryResponse field)
EFFECTS = {
    "facings_beta": "log_facings",
    "eye_lift": "level_is_eye",
    "display_lift": "display",
}
CONTROLS = ("feature", "tpr", "log_price_ratio")


@dataclass(frozen=True)
class Prior:
    """Normal priors on the model scale: beta itself; log(1 + lift) for lifts."""

    mean: float
    sd: float
    low: float
    high: float


DEFAULT_PRIORS: Mapping[str, Prior] = {
    # Space elasticity: meta-analyses (Curhan 1972; Desmet & Renaudin 1998; Eisend 2014) ~0.1-0.2.
    "facings_beta": Prior(0.15, 0.07, 0.02, 0.5),
    # Eye level vs other levels: Drèze, Hoch & Purk (1994) and later field studies, ~+10-40%.
    "eye_lift": Prior(math.log(1.15), 0.12, math.log(0.8), math.log(2.0)),
    # In-store display: large, category dependent (+30% to +200%); wide prior.
    "display_lift": Prior(math.log(1.5), 0.35, math.log(0.8), math.log(5.0)),
}


@dataclass(frozen=True)
class EffectEstimate:
    category: str
    effect: str  # "facings_beta", "eye_lift", "display_lift"
    estimate: float | None  # model scale; None when the data cannot identify it
    se: float | None
    n_obs: int
    shrunk: float  # model scale, after shrinkage
    weight_on_data: float  # 0 = prior only, 1 = data only


@dataclass(frozen=True)
class SpaceResponse:
    params: ResponseParams
    estimates: tuple[EffectEstimate, ...] = field(default_factory=tuple)


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise column names and derive regressors from whatever columns exist."""
    df = frame.rename(columns={k: v for k, v in ALIASES.items() if k in frame.columns})
    out = pd.DataFrame(
        {
            "store_id": df["store_id"].to_numpy(),
            "product_id": df["product_id"].to_numpy(),
            "category": df["category"].astype(str).to_numpy(),
            "date": df["date"].to_numpy(),
            "units": pd.to_numeric(df["units"]).to_numpy(dtype=float),
        }
    )
    if "facings" in df:
        out["log_facings"] = np.log(pd.to_numeric(df["facings"]).clip(lower=1).to_numpy(float))
    for col in ("level_is_eye", "display", "feature", "tpr"):
        if col in df:
            out[col] = pd.to_numeric(df[col]).fillna(0).to_numpy(float)
    if "price" in df and "base_price" in df:
        ratio = pd.to_numeric(df["price"]) / pd.to_numeric(df["base_price"])
        out["log_price_ratio"] = np.log(ratio.where(ratio > 0).clip(0.2, 2.0)).to_numpy(float)
    return out.dropna().reset_index(drop=True)


def fit_category(
    df: pd.DataFrame, regressors: list[str], *, period_fe: bool = True
) -> FEFit | None:
    """Poisson FE fit on one category's prepared rows; regressors that never vary within a
    series are left out (they cannot be identified)."""
    series = df["store_id"].astype(str) + "|" + df["product_id"].astype(str)
    usable = [
        r
        for r in regressors
        if r in df and df.groupby(series, sort=False)[r].transform("std").fillna(0).gt(1e-9).any()
    ]
    if not usable or len(df) < 10 * (len(usable) + 1):
        return None
    fes = [series.to_numpy()]
    if period_fe:
        fes.append((df["category"].astype(str) + "|" + df["date"].astype(str)).to_numpy())
    return fit_poisson_fe(
        df["units"].to_numpy(), df[usable].to_numpy(), usable, fes, df["store_id"].to_numpy()
    )


def _shrink(
    rows: list[tuple[str, float | None, float | None, int]], prior: Prior
) -> list[tuple[str, float, float]]:
    """Empirical Bayes: theta_c ~ N(mu, tau^2). mu, tau^2 by DerSimonian-Laird over the
    categories with estimates (needs 3+), mu itself pulled toward the literature prior."""
    have = [(c, e, s) for c, e, s, _ in rows if e is not None and s is not None and s > 0]
    mu, tau2 = prior.mean, prior.sd**2
    if len(have) >= 3:
        est = np.array([e for _, e, _ in have])
        var = np.array([s for _, _, s in have]) ** 2
        w = 1 / var
        fixed = float(np.sum(w * est) / np.sum(w))
        q = float(np.sum(w * (est - fixed) ** 2))
        c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
        tau2 = max((q - (len(have) - 1)) / c, (prior.sd / 4) ** 2) if c > 0 else prior.sd**2
        w_re = 1 / (var + tau2)
        pooled, pooled_var = float(np.sum(w_re * est) / np.sum(w_re)), float(1 / np.sum(w_re))
        mu = (pooled / pooled_var + prior.mean / prior.sd**2) / (1 / pooled_var + 1 / prior.sd**2)
    out: list[tuple[str, float, float]] = []
    for cat, e, s, _ in rows:
        if e is None or s is None or not s > 0:
            out.append((cat, float(np.clip(mu, prior.low, prior.high)), 0.0))
            continue
        k = (1 / s**2) / (1 / s**2 + 1 / tau2)
        out.append((cat, float(np.clip(k * e + (1 - k) * mu, prior.low, prior.high)), float(k)))
    return out


def estimate_space_response(
    frame: pd.DataFrame, priors: Mapping[str, Prior] | None = None
) -> SpaceResponse:
    """Per-category response parameters for the planner, from a frame of
    (store, product, category, period, units, [facings, level_is_eye, display, price, base_price,
    feature, tpr]). Missing columns leave that effect at its prior."""
    priors = {**DEFAULT_PRIORS, **(priors or {})}
    df = prepare(frame)
    regressors = [r for r in (*EFFECTS.values(), *CONTROLS) if r in df]
    fits: dict[str, FEFit | None] = {}
    for cat, part in df.groupby("category", sort=True):
        fits[str(cat)] = fit_category(part, regressors) if regressors else None
    estimates: list[EffectEstimate] = []
    shrunk: dict[str, dict[str, float]] = {c: {} for c in fits}
    for effect, col in EFFECTS.items():
        rows: list[tuple[str, float | None, float | None, int]] = []
        for cat, fit in fits.items():
            if fit is not None and col in fit.names:
                e, s = fit.get(col)
                rows.append((cat, e, s, fit.n_obs))
            else:
                rows.append((cat, None, None, 0 if fit is None else fit.n_obs))
        for (cat, est, se, n), (_, value, k) in zip(
            rows, _shrink(rows, priors[effect]), strict=True
        ):
            estimates.append(EffectEstimate(cat, effect, est, se, n, value, k))
            shrunk[cat][effect] = value

    def to_response(values: Mapping[str, float], source: str) -> CategoryResponse:
        return CategoryResponse(
            facings_beta=values["facings_beta"],
            eye_lift=math.exp(values["eye_lift"]) - 1,
            display_lift=math.exp(values["display_lift"]) - 1,
            source=source,
        )

    by_cat = {
        c: to_response(
            v,
            "shrunk"
            if any(e.weight_on_data > 0 for e in estimates if e.category == c)
            else "prior",
        )
        for c, v in shrunk.items()
    }
    default = to_response({k: p.mean for k, p in priors.items()}, "prior")
    return SpaceResponse(ResponseParams(by_cat, default), tuple(estimates))
