"""Wall time and peak memory of the forecasting engine as the number of series grows.

    .venv/bin/python bench/forecast_scale.py                 # 25k, 50k, 100k series x 365 days
    .venv/bin/python bench/forecast_scale.py --sizes 5000,10000   # a quick run

Each size runs in a fresh subprocess (so peak RSS is that size's alone, read with
resource.getrusage) on synthetic daily data: weekly pattern, festival peaks, random promotions
with price cuts, slow and intermittent movers, late launches. Timed: features + training (the
held-out fit that serves, and the calibration of its quantiles) + forecasting the next 14 days with
quantiles. Prints each size and the growth ratio of time between consecutive sizes (target: at
most 2.2x when the series double; 100k series under 5 minutes and 4 GB).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DAYS = 365
HORIZON = 14
PRODUCTS_PER_STORE = 200


def synthetic_panel(n_series: int, seed: int):
    """A daily panel built straight into dense arrays (as the Django side's reader would)."""
    from recommendations.engine.forecast import Panel
    from recommendations.engine.forecast.calendar import default_festivals

    rng = np.random.default_rng(seed)
    n_stores = max(n_series // PRODUCTS_PER_STORE, 1)
    store = np.arange(n_series) // PRODUCTS_PER_STORE
    product = np.arange(n_series) % PRODUCTS_PER_STORE
    dates = pd.date_range("2024-01-01", periods=DAYS + HORIZON, freq="D")
    level = (
        rng.lognormal(0.0, 1.2, PRODUCTS_PER_STORE)[product]
        * rng.lognormal(0, 0.3, n_stores)[store]
    )
    weekly = 1 + 0.25 * np.sin(2 * np.pi * (dates.day_of_week.to_numpy() - 4) / 7)
    fest = default_festivals()
    peak = np.ones(len(dates))
    for day in fest["date"]:
        d = (dates - day).days.to_numpy()
        peak += np.where((d >= -3) & (d <= 0), 1.5 + d / 3, 0.0)
    promo = (rng.random((n_series, len(dates)), dtype=np.float32) < 0.06).astype(np.uint8)
    ratio = np.where(promo == 1, np.float32(0.8), np.float32(1.0)).astype(np.float32)
    base_price = rng.uniform(2, 30, PRODUCTS_PER_STORE)[product].astype(np.float32)
    mu = (level[:, None] * (weekly * peak)[None, :]).astype(np.float32)
    mu *= 1 + 1.2 * promo
    units = rng.poisson(mu[:, :DAYS]).astype(np.float32)
    del mu
    start = np.where(rng.random(n_series) < 0.1, rng.integers(0, DAYS - 30, n_series), 0)
    units[np.arange(DAYS)[None, :] < start[:, None]] = 0
    first = np.argmax(units > 0, axis=1)
    keep = units.any(axis=1)
    return Panel(
        store_ids=store[keep],
        product_ids=product[keep],
        dates=pd.DatetimeIndex(dates),
        freq="D",
        units=units[keep],
        start=first[keep].astype(np.int64),
        price=(ratio[keep] * base_price[keep, None]).astype(np.float32),
        price_ratio=ratio[keep],
        flags={"promo": promo[keep]},
        category=np.array([f"c{p % 20}" for p in range(PRODUCTS_PER_STORE)], object)[product[keep]],
    )


def run_one(n_series: int, seed: int) -> dict:
    from recommendations.engine.forecast import ForecastParams, fit, predict

    t0 = time.perf_counter()
    panel = synthetic_panel(n_series, seed)
    t1 = time.perf_counter()
    model = fit(panel, ForecastParams(horizon=HORIZON, random_state=seed))
    t2 = time.perf_counter()
    result = predict(model, panel)
    result.total_quantiles([0.8, 0.9, 0.95, 0.98], periods=7)
    t3 = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "series": panel.n_series,
        "generate_s": t1 - t0,
        "fit_s": t2 - t1,
        "predict_s": t3 - t2,
        "total_s": t3 - t1,
        "peak_mb": peak_kb / 1024,
        "method": model.method,
        "train_rows": model.estimator.n_train_rows if model.estimator else 0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="25000,50000,100000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.seed)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"synthetic daily data: {DAYS} days, horizon {HORIZON}; features+train+forecast timed")
    head = f"{'series':>8}{'fit s':>9}{'predict s':>11}{'total s':>9}{'peak MB':>9}{'growth':>8}"
    print(head + "\n" + "-" * len(head), flush=True)
    previous = None
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        growth = "" if previous is None else f"{row['total_s'] / previous:>7.2f}x"
        print(
            f"{row['series']:>8}{row['fit_s']:>9.1f}{row['predict_s']:>11.1f}"
            f"{row['total_s']:>9.1f}{row['peak_mb']:>9.0f}{growth:>8}",
            flush=True,
        )
        previous = row["total_s"]
    return 0


if __name__ == "__main__":
    sys.exit(main())
