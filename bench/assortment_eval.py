"""Offline evaluation of the assortment recommender against baselines, side by side.

    python bench/assortment_eval.py --data ../shared/data/breakfast [--seed 0]
    python bench/assortment_eval.py --demo            # the seeded demo chain, built in-process
    python bench/assortment_eval.py --synthetic       # a large sparse chain, to show scale

Protocol: carried = sold in the last 26 weeks (182 days) before the latest date; hold out a fixed
random 10% of the carried store x product pairs (all their sales rows are removed); fit on the
rest; for each store rank the products it does not visibly carry; recall@5, recall@10, capped
recall@10 (hits / min(10, held out)) and NDCG@10, averaged over stores with held-out pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine.assortment import (
    AssortmentParams,
    build_matrices,
    evaluate_rankings,
    fit_assortment,
    holdout_pairs,
    read_plain_dir,
    recommend,
)
from recommendations.engine.assortment.baselines import BASELINES
from recommendations.engine.assortment.matrices import SalesMatrices

METRICS = ("recall@5", "recall@10", "capped_recall@10", "ndcg@10")


def demo_frames(
    stores: int, products: int, days: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The seed_demo demand (lst.demo.generator), converted to the plain schema."""
    from lst.demo.frames import demo_plain_frames

    return demo_plain_frames(stores=stores, products=products, days=days, seed=seed)


def synthetic_frames(
    stores: int, products: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A large sparse chain: store types x product categories drive ranges and weekly sales."""
    rng = np.random.default_rng(seed)
    n_types, n_cats, weeks = 8, 60, 27
    store_type = rng.integers(n_types, size=stores)
    size = rng.lognormal(0, 0.4, size=stores)
    cat = rng.integers(n_cats, size=products)
    pop = rng.normal(-3.2, 1.0, size=products)
    affinity = rng.normal(0, 1.0, size=(n_types, n_cats))
    logit = pop[None, :] + affinity[store_type][:, cat] + 0.5 * np.log(size)[:, None]
    carried = rng.random((stores, products)) < 1 / (1 + np.exp(-logit))
    s, p = np.nonzero(carried)
    rate = (
        np.exp(rng.normal(-0.5, 0.8, size=products))[p]
        * size[s]
        * np.exp(0.3 * affinity[store_type[s], cat[p]])
    )
    end = pd.Timestamp("2025-06-29")
    units = rng.poisson(np.tile(rate, weeks))
    week = np.repeat(np.arange(weeks), rate.size)
    keep = units > 0
    store_names = np.array([f"S{i}" for i in range(stores)], dtype=object)
    product_names = np.array([f"P{i}" for i in range(products)], dtype=object)
    sales = pd.DataFrame(
        {
            "date": end - pd.to_timedelta(7 * (weeks - 1 - week[keep]), unit="D"),
            "store_id": store_names[np.tile(s, weeks)[keep]],
            "product_id": product_names[np.tile(p, weeks)[keep]],
            "units": units[keep],
        }
    )
    store_frame = pd.DataFrame(
        {
            "store_id": [f"S{i}" for i in range(stores)],
            "store_type": [f"t{t}" for t in store_type],
            "size_m2": (60 * size).round(),
        }
    )
    product_frame = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(products)],
            "name": "",
            "category": [f"c{c}" for c in cat],
        }
    )
    return sales, store_frame, product_frame


def _rank(scores: np.ndarray, m: SalesMatrices, k: int) -> dict[object, list[object]]:
    out: dict[object, list[object]] = {}
    carried = m.carried
    for i, sid in enumerate(m.store_ids):
        row = scores[i].astype(np.float64, copy=True)
        row[carried.indices[carried.indptr[i] : carried.indptr[i + 1]]] = -np.inf
        cand = np.flatnonzero(np.isfinite(row))
        order = cand[np.lexsort((cand, -row[cand]))][:k]
        out[sid] = list(m.product_ids[order])
    return out


def run(
    sales: pd.DataFrame,
    stores: pd.DataFrame | None,
    products: pd.DataFrame | None,
    seed: int,
    params: AssortmentParams,
) -> tuple[pd.DataFrame, dict[str, float]]:
    timings: dict[str, float] = {}
    if sales["store_id"].dtype != object or sales["product_id"].dtype != object:
        sales = sales.assign(
            store_id=sales["store_id"].astype(str), product_id=sales["product_id"].astype(str)
        )
    full = build_matrices(
        sales, carried_days=7 * params.carried_weeks, recent_days=7 * params.recent_weeks
    )
    coo = full.carried.tocoo()
    pairs = pd.DataFrame(
        {"store_id": full.store_ids[coo.row], "product_id": full.product_ids[coo.col]}
    )
    held = holdout_pairs(pairs, 0.10, seed)
    flag = held.assign(_held=True)
    merged = sales.merge(flag, on=["store_id", "product_id"], how="left")
    train = sales[merged["_held"].isna().to_numpy()]
    held_out = {s: set(g["product_id"]) for s, g in held.groupby("store_id")}

    t0 = time.perf_counter()
    model = fit_assortment(train, stores, products, params)
    timings["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    recs = recommend(model, k=10, drop_k=0)
    timings["recommend"] = time.perf_counter() - t0
    ours = {s: list(g.sort_values("rank")["product_id"]) for s, g in recs.groupby("store_id")}
    results = {"recommender": evaluate_rankings(ours, held_out)}
    m = model.matrices
    for name, scorer in BASELINES.items():
        t0 = time.perf_counter()
        results[name] = evaluate_rankings(_rank(scorer(m), m, 10), held_out)
        timings[name] = time.perf_counter() - t0
    table = pd.DataFrame(results).T[list(METRICS)]
    stats = {
        "stores": float(len(m.store_ids)),
        "products": float(len(m.product_ids)),
        "carried_pairs": float(len(pairs)),
        "held_out": float(len(held)),
        **{f"seconds_{k}": v for k, v in timings.items()},
    }
    return table, stats


def report(table: pd.DataFrame, stats: dict[str, float]) -> None:
    print(
        f"stores {stats['stores']:.0f}, products {stats['products']:.0f}, carried pairs "
        f"{stats['carried_pairs']:.0f}, held out {stats['held_out']:.0f}"
    )
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    base = table.drop(index="recommender")
    best = base.max(axis=0)
    ratio = table.loc["recommender"] / best.replace(0, np.nan)
    print("best baseline: " + ", ".join(f"{c}={base[c].idxmax()}" for c in table.columns))
    print(
        "ratio recommender / best baseline: "
        + ", ".join(f"{c} {ratio[c]:.3f}" for c in table.columns)
    )
    print(
        "seconds: "
        + ", ".join(f"{k[8:]} {v:.2f}" for k, v in stats.items() if k.startswith("seconds_"))
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="a directory in the plain sales schema")
    src.add_argument("--demo", action="store_true", help="the seed_demo chain, built in-process")
    src.add_argument("--synthetic", action="store_true", help="a large sparse synthetic chain")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stores", type=int, default=None)
    ap.add_argument("--products", type=int, default=None)
    ap.add_argument("--days", type=int, default=365, help="--demo only")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.data:
        data = read_plain_dir(args.data)
        sales, stores, products = data.sales, data.stores, data.products
        label = str(args.data)
    elif args.demo:
        n_s, n_p = args.stores or 60, args.products or 300
        sales, stores, products = demo_frames(n_s, n_p, args.days, args.seed)
        label = f"demo {n_s} stores x {n_p} products x {args.days} days, seed {args.seed}"
    else:
        n_s, n_p = args.stores or 500, args.products or 20_000
        sales, stores, products = synthetic_frames(n_s, n_p, args.seed)
        label = f"synthetic {n_s} stores x {n_p} products, seed {args.seed}"
    load = time.perf_counter() - t0
    print(f"# assortment evaluation: {label} ({len(sales)} sales rows, loaded in {load:.1f}s)")
    t1 = time.perf_counter()
    table, stats = run(sales, stores, products, args.seed, AssortmentParams(random_state=args.seed))
    report(table, stats)
    print(f"total evaluation time {time.perf_counter() - t1:.1f}s (excluding loading)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
