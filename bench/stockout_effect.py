"""What censoring stock-out days changes, on the demo chain (`seed_demo`), against the true demand.

    .venv/bin/python bench/stockout_effect.py [--stores 20 --products 100 --days 365 --seed 7]
        [--origins 2 --horizon 14] [--database-url URL] [--keep]

Seeds the demo chain into its own database (default: a SQLite file in the system temp directory;
`--keep` reuses it), whose shelves run out now and then (`lst/demo/stock.py`): on those days the
sales are cut to what was on hand and `StockOut` spells are written. For each forecast origin
(the last `--origins` x `--horizon` days, in steps of the horizon) it reads the history through
`recommendations.data.sales_frame(stockouts=True)` (the forecaster's frame, with the `stockout`
column) and fits the global model three times:

- `censored`: the frame as the pipeline passes it (`stockout` column present);
- `as_zero`: the same frame without the column (stock-out days read as demand that was sold);
- `truth`: the generator's true demand (no stock-out ever cuts it): the best one could do.

It prints, against the true demand the generator knows, the forecast on the target days that
ended out of stock, the error over all target days, and for the lines that ran out in the week
before the origin the forecast daily rate and the order-up-to level a suggestion is built on
(the engine's policy, 3-day protection), with the move from `as_zero` to `censored`.

While the engine ignores the column, `censored` and `as_zero` are the same model and the move
is 0 (the bench says so); the gap between `as_zero` and `truth` is what censoring can win.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 6, 30)
PROTECTION_DAYS = 3
LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--stores", type=int, default=20)
    ap.add_argument("--products", type=int, default=100)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--origins", type=int, default=2)
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--keep", action="store_true", help="reuse the seeded database")
    ap.add_argument("--max-rows", type=int, default=None, help="engine's training-row sample cap")
    ap.add_argument(
        "--frame-rows",
        type=int,
        default=0,
        help="instead: time data.with_stockouts on a synthetic frame of this many sales rows "
        "against a pandas merge doing the same",
    )
    args = ap.parse_args()
    if args.frame_rows:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lst.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        _frame_mode(args.frame_rows, args.seed)
        return

    default = Path(tempfile.gettempdir()) / f"lst_stockout_effect_{args.seed}.sqlite3"
    url = args.database_url or f"sqlite:///{default}"
    if url.startswith("sqlite:///") and not args.keep:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ.update(
        {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "lst.settings", "PYTHONWARNINGS": "ignore"}
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from catalog.models import Product
    from lst.demo.generator import demo_products, simulate
    from lst.demo.seed import delivery_plan
    from lst.demo.stock import simulate_stock
    from recommendations import data
    from recommendations.engine.forecast import ForecastParams, Panel, build_panel, fit, predict
    from recommendations.engine.restock.policy import PolicyInput, ServiceLevels, order_up_to
    from stores.models import StockOut, Store

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    if not Store.objects.exists():
        call_command(
            "seed_demo",
            stores=args.stores,
            products=args.products,
            days=args.days,
            seed=args.seed,
            end_date=END,
            verbosity=0,
            stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed at exit
        )
    print(f"demo chain: {time.perf_counter() - began:.1f}s to seed ({url})")

    # The generator's truth for the chain just seeded (same seed, same stores' deliveries).
    stores = list(Store.objects.select_related("warehouse").order_by("code"))
    catalog = demo_products(args.products)
    dates = [END - dt.timedelta(days=args.days - 1 - i) for i in range(args.days)]
    demand = simulate(stores=len(stores), products=catalog, dates=dates, seed=args.seed)
    stock = simulate_stock(
        demand,
        plan=delivery_plan(stores),
        case_pack=np.array([p.case_pack for p in catalog]),
        seed=args.seed,
    )
    store_index = {st.pk: i for i, st in enumerate(stores)}
    sku_index = {p.sku: int(p.sku[3:]) - 1 for p in Product.objects.only("sku")}
    product_index = {pk: sku_index[sku] for pk, sku in Product.objects.values_list("pk", "sku")}
    product_ids = np.array(
        [pk for pk, _ in sorted(product_index.items(), key=lambda kv: kv[1])], dtype=np.int64
    )
    store_ids = np.array([st.pk for st in stores], dtype=np.int64)
    carried_days = int(demand.carried.sum()) * args.days
    print(
        f"{len(stores)} stores x {args.products} products x {args.days} days: "
        f"{stock.ended_out.sum() / carried_days:.1%} of carried line-days ended out of stock, "
        f"{1 - stock.sold.sum() / demand.units.sum():.1%} of demand lost, "
        f"{StockOut.objects.count()} stock-out spells recorded"
    )
    censor_aware = "censored" in {f.name for f in dataclasses.fields(Panel)}
    print(
        "engine: "
        + (
            "reads the stockout column (Panel.censored)"
            if censor_aware
            else "ignores the stockout column (no Panel.censored yet): censored == as_zero"
        )
    )

    cats = data.products_frame(list(product_ids))[["product_id", "category"]]
    params = ForecastParams(horizon=args.horizon)
    if args.max_rows:
        params = dataclasses.replace(params, max_rows=args.max_rows)
    rows: dict[str, list[dict[str, np.ndarray]]] = {"censored": [], "as_zero": [], "truth": []}
    for k in range(args.origins, 0, -1):
        origin = END - dt.timedelta(days=k * args.horizon)
        o = dates.index(origin)
        start = dates[0]
        frame = data.sales_frame(store_ids=None, start=start, end=origin, stockouts=True)
        frames = {
            "censored": frame,
            "as_zero": frame.drop(columns="stockout"),
            "truth": _truth_frame(demand, catalog, store_ids, product_ids, o),
        }
        for name, sales in frames.items():
            if name == "censored" and not censor_aware:
                continue  # the same model as as_zero: filled in below, not fitted twice
            t0 = time.perf_counter()
            panel = build_panel(sales, freq="D", products=cats)
            model = fit(panel, params)
            result = predict(model, panel, args.horizon)
            s_i = np.array([store_index[int(x)] for x in result.store_ids])
            p_i = np.array([product_index[int(x)] for x in result.product_ids])
            days = o + 1 + np.arange(args.horizon)
            quant = result.total_quantiles(LEVELS, periods=PROTECTION_DAYS)
            mean_daily = result.mean[:, :7].mean(axis=1)
            n = len(s_i)
            policy = order_up_to(
                PolicyInput(
                    mean_daily=mean_daily,
                    quantile_levels=np.array(LEVELS),
                    demand_quantiles=quant,
                    on_hand=np.zeros(n, np.int64),
                    on_order=np.zeros(n, np.int64),
                    case_pack=np.ones(n, np.int64),
                    capacity=np.full(n, 10**9, np.int64),
                    shelf_life_days=np.full(n, np.nan),
                ),
                ServiceLevels().for_lines(mean_daily),
            )
            rows[name].append(
                {
                    "pair": s_i * 100_000 + p_i,
                    "forecast": result.mean,
                    "true": demand.units[s_i[:, None], p_i[:, None], days[None, :]],
                    "sold": stock.sold[s_i[:, None], p_i[:, None], days[None, :]],
                    "out": stock.ended_out[s_i[:, None], p_i[:, None], days[None, :]],
                    "recent_out": np.asarray(stock.ended_out[s_i, p_i, o - 6 : o + 1].any(axis=1)),
                    "order_up_to": policy.order_up_to.astype(float),
                }
            )
            print(
                f"origin {origin} {name:<9} {n} series, {time.perf_counter() - t0:.1f}s "
                f"({result.method})"
            )
    if not censor_aware:
        rows["censored"] = rows["as_zero"]
    _report(rows)


def _frame_mode(n_rows: int, seed: int) -> None:
    """`with_stockouts` on `n_rows` sales rows (pairs x 365 days, 3% of days out in spells of
    1-4 days), against the plain pandas way: an outer merge on (store, product, date)."""
    from recommendations.data import with_stockouts

    rng = np.random.default_rng(seed)
    n_days = 365
    n_pairs = max(n_rows // n_days, 1)
    pair = np.repeat(np.arange(n_pairs), n_days)
    day = np.tile(np.arange(n_days), n_pairs)
    dates = pd.Timestamp("2025-07-01") + pd.to_timedelta(day, unit="D")
    sales = pd.DataFrame(
        {
            "store_id": (pair // 3000 + 1).astype(np.int64),
            "product_id": (pair % 3000 + 1).astype(np.int64),
            "date": dates,
            "units": rng.poisson(2.0, len(pair)).astype(np.int64),
            "price": 5.0,
            "base_price": 5.0,
            "promo": np.zeros(len(pair), np.int8),
        }
    )
    n_spells = int(0.03 * len(pair) / 2.5)
    sp_pair = rng.integers(0, n_pairs, n_spells)
    sp_len = rng.integers(1, 5, n_spells)
    which = np.repeat(np.arange(n_spells), sp_len)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(sp_len) - sp_len, sp_len)
    out_day = np.minimum(rng.integers(0, n_days, n_spells)[which] + offset, n_days - 1)
    days = pd.DataFrame(
        {
            "store_id": (sp_pair[which] // 3000 + 1).astype(np.int64),
            "product_id": (sp_pair[which] % 3000 + 1).astype(np.int64),
            "date": pd.Timestamp("2025-07-01") + pd.to_timedelta(out_day, unit="D"),
        }
    ).drop_duplicates(ignore_index=True)
    # A censored day without a sale has no sales row: drop those from the sales.
    key = ["store_id", "product_id", "date"]
    drop = sales.merge(days.assign(_x=1), on=key, how="left")["_x"].eq(1) & sales["units"].eq(0)
    sales = sales[~drop.to_numpy()].reset_index(drop=True)
    print(f"{len(sales):,} sales rows, {len(days):,} out-of-stock days")

    def merged() -> pd.DataFrame:
        out = sales.merge(days.assign(stockout=np.int8(1)), on=key, how="outer")
        out["stockout"] = out["stockout"].fillna(0).astype(np.int8)
        out["units"] = out["units"].fillna(0).astype(np.int64)
        for col in ("price", "base_price"):
            out[col] = out[col].fillna(5.0)
        out["promo"] = out["promo"].fillna(0).astype(np.int8)
        return out

    timings: dict[str, float] = {}
    results: dict[str, pd.DataFrame] = {}
    for name, fn in (("with_stockouts", lambda: with_stockouts(sales, days)), ("merge", merged)):
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            results[name] = fn()
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
    ours, theirs = (
        results[n].sort_values(key, ignore_index=True) for n in ("with_stockouts", "merge")
    )
    assert ours["stockout"].sum() == theirs["stockout"].sum() == len(days)
    assert len(ours) == len(theirs)
    print(
        f"with_stockouts {timings['with_stockouts']:.2f}s, outer merge {timings['merge']:.2f}s: "
        f"{timings['with_stockouts'] / timings['merge']:.2f}x"
    )


def _truth_frame(
    demand: object, catalog: list, store_ids: np.ndarray, product_ids: np.ndarray, o: int
) -> pd.DataFrame:
    """The true demand up to day `o` in the plain schema (carried lines, every day)."""
    d = demand  # DemoDemand
    s, p = np.nonzero(d.carried)  # type: ignore[attr-defined]
    n_days = o + 1
    days = np.tile(np.arange(n_days), len(s))
    s_r, p_r = np.repeat(s, n_days), np.repeat(p, n_days)
    base = np.array([x.price for x in catalog])
    return pd.DataFrame(
        {
            "store_id": store_ids[s_r],
            "product_id": product_ids[p_r],
            "date": pd.to_datetime(np.array(d.dates, dtype="datetime64[D]")[days]),  # type: ignore[attr-defined]
            "units": d.units[s_r, p_r, days].astype(np.int64),  # type: ignore[attr-defined]
            "price": d.price[p_r, days],  # type: ignore[attr-defined]
            "base_price": base[p_r],
            "promo": d.promo[p_r, days].astype(np.int8),  # type: ignore[attr-defined]
        }
    )


def _report(rows: dict[str, list[dict[str, np.ndarray]]]) -> None:
    # Align every variant on the series the as-zero model has (the truth panel has a few more:
    # lines whose every sale in the window was lost).
    ref = rows["as_zero"]
    print()
    print("target days that ended out of stock (units a day, mean over those line-days):")
    print(f"  {'model':<9} {'forecast':>9} {'sold':>7} {'true':>7} {'bias/true':>10}")
    summary: dict[str, dict[str, float]] = {}
    for name in rows:
        f_all, t_all, sold_all, out_all, recent, outo = [], [], [], [], [], []
        for r_ref, r in zip(ref, rows[name], strict=True):
            pos = pd.Index(r["pair"]).get_indexer(r_ref["pair"])
            f_all.append(r["forecast"][pos])
            t_all.append(r_ref["true"])
            sold_all.append(r_ref["sold"])
            out_all.append(r_ref["out"])
            recent.append(r_ref["recent_out"])
            outo.append(r["order_up_to"][pos])
        f, t = np.concatenate(f_all), np.concatenate(t_all)
        sold, out = np.concatenate(sold_all), np.concatenate(out_all)
        rec, up = np.concatenate(recent), np.concatenate(outo)
        summary[name] = {
            "cens_f": float(f[out].mean()),
            "cens_sold": float(sold[out].mean()),
            "cens_t": float(t[out].mean()),
            "wape": float(np.abs(f - t).sum() / t.sum()),
            "bias": float((f - t).sum() / t.sum()),
            "wape_sold": float(np.abs(f - sold).sum() / max(sold.sum(), 1)),
            "recent_f": float(f[rec, :7].mean()),
            "recent_t": float(t[rec, :7].mean()),
            "recent_up": float(up[rec].mean()),
            "other_up": float(up[~rec].mean()),
            "recent_n": float(rec.sum()),
        }
        s = summary[name]
        print(
            f"  {name:<9} {s['cens_f']:>9.3f} {s['cens_sold']:>7.3f} {s['cens_t']:>7.3f} "
            f"{(s['cens_f'] - s['cens_t']) / s['cens_t']:>+10.1%}"
        )
    print()
    print("all target days, against the true demand (and against what sold):")
    print(f"  {'model':<9} {'WAPE':>7} {'bias':>8} {'WAPE vs sold':>13}")
    for name, s in summary.items():
        print(f"  {name:<9} {s['wape']:>7.3f} {s['bias']:>+8.1%} {s['wape_sold']:>13.3f}")
    print()
    n_recent = int(summary["as_zero"]["recent_n"])
    print(f"lines out of stock in the week before the origin ({n_recent} line-origins):")
    print(f"  {'model':<9} {'rate/day':>9} {'true/day':>9} {'order-up-to':>12}")
    for name, s in summary.items():
        print(f"  {name:<9} {s['recent_f']:>9.3f} {s['recent_t']:>9.3f} {s['recent_up']:>12.2f}")
    c, z, tr = summary["censored"], summary["as_zero"], summary["truth"]
    print()
    print(
        "move as_zero -> censored: forecast on censored days "
        f"{c['cens_f'] / z['cens_f'] - 1:+.1%}, order-up-to after a stock-out "
        f"{c['recent_up'] / z['recent_up'] - 1:+.1%}, WAPE vs truth "
        f"{c['wape'] / z['wape']:.3f}x"
    )
    print(
        "room (as_zero -> truth):   forecast on censored days "
        f"{tr['cens_f'] / z['cens_f'] - 1:+.1%}, order-up-to after a stock-out "
        f"{tr['recent_up'] / z['recent_up'] - 1:+.1%}, WAPE vs truth {tr['wape'] / z['wape']:.3f}x"
    )


if __name__ == "__main__":
    main()
