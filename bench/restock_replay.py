"""Replay real demand through a simulated store: our order-up-to policy against a classic
min/max reorder-point rule and "order what sold last period", side by side.

    python bench/restock_replay.py                         # breakfast (weekly) and the demo (daily)
    python bench/restock_replay.py --data DIR --freq W     # any dataset in the plain schema
    python bench/restock_replay.py --demo-only --quick

For each policy it prints the trade-off curve (fill rate vs average inventory) over service
levels (ours) and safety factors (min/max), then compares inventory at matched fill rates.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recommendations.engine.forecast import ForecastParams, build_panel, fit, predict  # noqa: E402
from recommendations.engine.forecast.global_model import BoostingParams  # noqa: E402
from recommendations.engine.restock.replay import (  # noqa: E402
    ReplayConfig,
    ReplayResult,
    last_period_policy,
    min_max_policy,
    order_up_to_policy,
    replay,
)

LEVELS = np.array(
    [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995]
)
SERVICE = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)
Z = (0.0, 0.5, 1.0, 1.28, 1.65, 2.0, 2.33, 3.0)


def forecast_cache(
    panel,
    params: ForecastParams,
    start: int,
    end: int,
    review: int,
    protection: int,
    refit_every: int,
) -> dict[int, np.ndarray]:
    """Demand quantiles over the protection interval at each review, from models refit every
    `refit_every` periods on the history before that point only."""
    out: dict[int, np.ndarray] = {}
    model, fitted_at = None, -(10**9)
    for t in range(start, end, review):
        cut = panel.cut(t, params.horizon)
        if model is None or t - fitted_at >= refit_every:
            model, fitted_at = fit(cut, params), t
        res = predict(model, cut, params.horizon)
        q = np.zeros((panel.n_series, len(LEVELS)))
        q[panel.start < t] = res.total_quantiles(LEVELS, periods=protection)
        out[t] = q
    return out


def run(
    name: str,
    panel,
    case_pack: np.ndarray,
    unit_cost: np.ndarray,
    *,
    replay_periods: int,
    lead: int,
    review: int,
    period_days: int,
    refit_every: int,
    iterations: int,
) -> None:
    demand = panel.units.astype(np.float64)
    n, t_end = demand.shape
    start = t_end - replay_periods
    protection = lead + review
    cfg = ReplayConfig(start=start, lead_time=lead, review=review, period_days=period_days)
    active = np.arange(t_end)[None, :] >= panel.start[:, None]
    # Everyone starts with the same stock: mean demand over the protection interval.
    initial = np.ceil(demand[:, start - 8 : start].mean(axis=1) * protection)
    params = ForecastParams(
        horizon=max(protection, 2), max_rows=300_000, boosting=BoostingParams(max_iter=iterations)
    )
    began = time.perf_counter()
    cache = forecast_cache(panel, params, start, t_end, review, protection, refit_every)
    secs = time.perf_counter() - began
    print(
        f"\n== {name}: {n} series, replay of the last {replay_periods} periods, lead "
        f"{lead}, review {review}; forecasts {secs:.0f}s"
    )

    def quantiles(t: int, hist: np.ndarray):  # type: ignore[no-untyped-def]
        return LEVELS, cache[t]

    common = {"unit_cost": unit_cost, "initial_on_hand": initial, "active": active}
    ours = [
        replay(f"ours sl={s}", demand, order_up_to_policy(case_pack, quantiles, s), cfg, **common)
        for s in SERVICE
    ]
    minmax = [
        replay(
            f"min/max z={z}",
            demand,
            min_max_policy(case_pack, lead_time=lead, review=review, z=z, window=min(26, start)),
            cfg,
            **common,
        )
        for z in Z
    ]
    last = replay("last period", demand, last_period_policy(case_pack), cfg, **common)
    _table([*ours, *minmax, last])
    sys.stdout.flush()
    _compare(ours, minmax)


def _table(rows: list[ReplayResult]) -> None:
    print(
        f"{'policy':<18}{'fill rate':>10}{'stock-out':>11}{'avg inv':>10}{'days':>8}"
        f"{'inv value':>12}{'orders':>9}"
    )
    for r in rows:
        print(
            f"{r.policy:<18}{r.fill_rate:>10.4f}{r.stockout_share:>11.4f}"
            f"{r.avg_inventory_units:>10.2f}{r.avg_inventory_days:>8.2f}"
            f"{r.avg_inventory_value:>12.0f}{r.orders:>9}"
        )


def _compare(ours: list[ReplayResult], minmax: list[ReplayResult]) -> None:
    """For each min/max point: our inventory at the same fill rate (interpolated along our curve)
    and our cheapest point with a fill rate at least as high."""
    fr = np.array([r.fill_rate for r in ours])
    inv = np.array([r.avg_inventory_units for r in ours])
    order = np.argsort(fr)
    print("\nagainst each min/max point, our average inventory:")
    for m in minmax:
        line = f"  {m.policy:<16} fill {m.fill_rate:.4f} inv {m.avg_inventory_units:7.2f}:"
        if fr.min() <= m.fill_rate <= fr.max():
            at = float(np.interp(m.fill_rate, fr[order], inv[order]))
            line += f" at the same fill {at:7.2f} ({1 - at / m.avg_inventory_units:+.1%} less);"
        better = [r for r in ours if r.fill_rate >= m.fill_rate]
        if better:
            best = min(better, key=lambda r: r.avg_inventory_units)
            line += (
                f" cheapest with fill >= {best.policy} (fill {best.fill_rate:.4f}) "
                f"{best.avg_inventory_units:7.2f} "
                f"({1 - best.avg_inventory_units / m.avg_inventory_units:+.1%} less)"
            )
        print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "breakfast"))
    ap.add_argument("--freq", default="W")
    ap.add_argument("--demo-only", action="store_true")
    ap.add_argument("--quick", action="store_true", help="smaller demo and fewer trees")
    args = ap.parse_args()
    iterations = 80 if args.quick else 200
    if not args.demo_only:
        sales = pd.read_csv(next(Path(args.data).glob("sales.csv*")))
        products = pd.read_csv(Path(args.data) / "products.csv")
        panel = build_panel(sales, freq=args.freq, products=products)
        packs = np.ones(panel.n_series)  # the dataset has no case packs
        cost = (
            np.nanmedian(np.where(panel.price is None, 1.0, panel.price[:, : panel.n_obs]), axis=1)
            if panel.price is not None
            else np.ones(panel.n_series)
        )
        run(
            f"{Path(args.data).name} ({args.freq})",
            panel,
            packs,
            np.nan_to_num(cost, nan=1.0),
            replay_periods=52,
            lead=1,
            review=1,
            period_days=7 if args.freq == "W" else 1,
            refit_every=13,
            iterations=iterations,
        )

    from lst.demo.frames import demo_plain_frames

    stores, n_products, days = (20, 60, 300) if args.quick else (40, 100, 450)
    sales, _stores, products = demo_plain_frames(
        stores=stores, products=n_products, days=days, seed=7
    )
    panel = build_panel(sales, freq="D", products=products)
    info = products.set_index("product_id")
    packs = info.loc[panel.product_ids, "case_pack"].to_numpy().astype(float)
    cost = info.loc[panel.product_ids, "unit_cost"].to_numpy().astype(float)
    run(
        f"demo chain (daily, {stores} stores x {n_products} products)",
        panel,
        packs,
        cost,
        replay_periods=90,
        lead=1,
        review=2,
        period_days=1,
        refit_every=30,
        iterations=iterations,
    )


if __name__ == "__main__":
    main()
