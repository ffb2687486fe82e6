"""Offline evaluation of the assortment recommender against baselines, side by side.

    python bench/assortment_eval.py --data ../shared/data/breakfast [--seed 0]
    python bench/assortment_eval.py --demo            # the seeded demo chain, built in-process
    python bench/assortment_eval.py --synthetic city  # a generated chain (city, regional,
                                                      # grocery; scale = 500 x 20,000 products)

Protocol: carried = sold in the last 26 weeks (182 days) before the latest date; hold out a fixed
random 10% of the carried store x product pairs (all their sales rows are removed); fit on the
rest; for each store rank the products it does not visibly carry; recall@5, recall@10, capped
recall@10 (hits / min(10, held out)) and NDCG@10, averaged over stores with held-out pairs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
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
from recommendations.engine.assortment.synthetic import CHAINS, make_chain

METRICS = ("recall@5", "recall@10", "capped_recall@10", "ndcg@10")


def demo_frames(
    stores: int, products: int, days: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The seed_demo demand (lst.demo.generator), converted to the plain schema."""
    from lst.demo.frames import demo_plain_frames

    return demo_plain_frames(stores=stores, products=products, days=days, seed=seed)


def synthetic_frames(
    name: str, stores: int | None, products: int | None, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """One of the generator's chains (engine/assortment/synthetic.py), optionally resized."""
    spec = CHAINS[name]
    spec = replace(
        spec,
        stores=stores or spec.stores,
        products=products or spec.products,
        seed=spec.seed + seed,
    )
    chain = make_chain(spec)
    label = (
        f"synthetic '{name}' {spec.stores} stores x {spec.products} products x {spec.weeks} "
        f"weeks (segments {spec.segments}, regions {spec.regions}, local share "
        f"{spec.local_share}, range share {spec.range_share}, popularity sd "
        f"{spec.popularity_sigma}, segment strength {spec.segment_strength}, noise {spec.noise}), "
        f"seed {spec.seed}"
    )
    return chain.sales, chain.stores, chain.products, label


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


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

    t0, c0 = time.perf_counter(), time.process_time()
    model = fit_assortment(train, stores, products, params)
    timings["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    recs = recommend(model, k=10, drop_k=0)
    timings["recommend"] = time.perf_counter() - t0
    cpu_model = time.process_time() - c0
    peak_after_model = peak_rss_mb()
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
        "peak_rss_mb_fit_recommend": peak_after_model,
        "cpu_fit_recommend": cpu_model,
        **{f"seconds_{k}": v for k, v in timings.items()},
    }
    print(
        "blend weights (validation): "
        + ", ".join(f"{k} {v:g}" for k, v in model.blend_weights.items())
    )
    lv = getattr(model, "learner_validation", {})
    if lv:
        print(
            "classifier (validation NDCG@10 of its blend): "
            + ", ".join(f"{k} {v:.4f}" for k, v in lv.items())
            + f"; serving: {'booster' if model.booster is not None else 'linear'}"
        )
    if model.cf_config is not None:
        c = model.cf_config
        print(
            f"validation chose EASE on {c.ease_input} (lambda {c.ease_lambda:.3g}), RP3beta on "
            f"{c.rp3_input} (alpha {c.rp3_alpha}, beta {c.rp3_beta})"
        )
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
    print(
        f"fit + recommend {stats['seconds_fit'] + stats['seconds_recommend']:.1f}s wall, "
        f"{stats['cpu_fit_recommend']:.1f}s CPU (user + system, this process); peak memory "
        f"of the process after fit + recommend {stats['peak_rss_mb_fit_recommend']:.0f} MB "
        f"(includes the data and its generation), at the end {peak_rss_mb():.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="a directory in the plain sales schema")
    src.add_argument("--demo", action="store_true", help="the seed_demo chain, built in-process")
    src.add_argument(
        "--synthetic",
        choices=sorted(CHAINS),
        help="a generated chain: "
        + ", ".join(f"{k} ({v.stores}x{v.products})" for k, v in CHAINS.items()),
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stores", type=int, default=None)
    ap.add_argument("--products", type=int, default=None)
    ap.add_argument("--days", type=int, default=365, help="--demo only")
    ap.add_argument(
        "--no-booster",
        action="store_true",
        help="the linear pool classifier only (AssortmentParams.booster=False)",
    )
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
        sales, stores, products, label = synthetic_frames(
            args.synthetic, args.stores, args.products, args.seed
        )
    load = time.perf_counter() - t0
    print(f"# assortment evaluation: {label} ({len(sales)} sales rows, loaded in {load:.1f}s)")
    t1 = time.perf_counter()
    table, stats = run(
        sales,
        stores,
        products,
        args.seed,
        AssortmentParams(random_state=args.seed, booster=not args.no_booster),
    )
    report(table, stats)
    print(f"total evaluation time {time.perf_counter() - t1:.1f}s (excluding loading)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
