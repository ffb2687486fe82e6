"""Display lift on data in the plain sales schema, separated from price cuts and features."""

from __future__ import annotations

import math

import pandas as pd

from .poisson import FEFit, fit_loglinear_fe, fit_poisson_fe
from .response import prepare

REGRESSORS = ("display", "feature", "tpr", "log_price_ratio")
Z95 = 1.959963984540054


def _lift(fit: FEFit, name: str) -> tuple[float, float, float, float]:
    """(lift, ci_low, ci_high, se of the log coefficient); lift = exp(b) - 1."""
    if name not in fit.names:
        return (math.nan,) * 4
    b, s = fit.get(name)
    return math.exp(b) - 1, math.exp(b - Z95 * s) - 1, math.exp(b + Z95 * s) - 1, s


def _fits(df: pd.DataFrame) -> tuple[FEFit, FEFit]:
    regs = [r for r in REGRESSORS if r in df and df[r].std() > 0]
    series = (df["store_id"].astype(str) + "|" + df["product_id"].astype(str)).to_numpy()
    period = (df["category"] + "|" + df["date"].astype(str)).to_numpy()
    args = (df["units"].to_numpy(), df[regs].to_numpy(), regs, [series, period])
    cluster = df["store_id"].to_numpy()
    return fit_poisson_fe(*args, cluster), fit_loglinear_fe(*args, cluster)


def display_lift_table(sales: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """One row per category and one for all (common coefficients, category x week effects).

    Poisson with store x product and category x week fixed effects; display, feature, TPR-only
    flags and log(price / base price) together, so the display lift is net of the price cut and
    the leaflet that often come with it. 95% intervals from store-clustered standard errors.
    A log(1 + units) OLS with the same effects is reported beside it as a robustness check.
    """
    frame = sales.merge(products[["product_id", "category"]], on="product_id", how="inner")
    df = prepare(frame)
    rows = []
    parts = [(str(c), g) for c, g in df.groupby("category", sort=True)] + [("ALL", df)]
    for name, part in parts:
        pois, ols = _fits(part)
        lift, lo, hi, se = _lift(pois, "display")
        ols_lift, ols_lo, ols_hi, _ = _lift(ols, "display")
        elasticity = pois.get("log_price_ratio")[0] if "log_price_ratio" in pois.names else math.nan
        rows.append(
            {
                "category": name,
                "rows": pois.n_obs,
                "stores": pois.n_clusters,
                "display_share": float(part["display"].mean()),
                "display_lift": lift,
                "ci95_low": lo,
                "ci95_high": hi,
                "se_log": se,
                "feature_lift": _lift(pois, "feature")[0],
                "tpr_lift": _lift(pois, "tpr")[0],
                "price_elasticity": elasticity,
                "ols_display_lift": ols_lift,
                "ols_ci95": f"[{ols_lo:+.1%}, {ols_hi:+.1%}]",
                "converged": pois.converged,
            }
        )
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """Markdown table for docs."""
    head = (
        "| category | rows | stores | on display | display lift (95% CI) | feature lift | "
        "TPR-only lift | price elasticity | log-OLS display lift (95% CI) |\n"
        "|---|---:|---:|---:|---|---:|---:|---:|---|\n"
    )
    lines = [
        f"| {r.category} | {r.rows:,} | {r.stores} | {r.display_share:.1%} | "
        f"{r.display_lift:+.1%} [{r.ci95_low:+.1%}, {r.ci95_high:+.1%}] | {r.feature_lift:+.1%} | "
        f"{r.tpr_lift:+.1%} | {r.price_elasticity:.2f} | {r.ols_display_lift:+.1%} {r.ols_ci95} |"
        for r in table.itertuples()
    ]
    return head + "\n".join(lines) + "\n"


__all__ = ["display_lift_table", "format_table"]
