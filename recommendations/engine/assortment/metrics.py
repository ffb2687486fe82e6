"""Offline evaluation of assortment rankings: hold-out split, recall@k and NDCG@k."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import pandas as pd


def holdout_pairs(carried: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """A fixed random `fraction` of the carried (store_id, product_id) pairs."""
    rng = np.random.default_rng(seed)
    pairs = carried[["store_id", "product_id"]].sort_values(["store_id", "product_id"])
    n = round(fraction * len(pairs))
    pick = np.sort(rng.choice(len(pairs), size=n, replace=False))
    return pairs.iloc[pick].reset_index(drop=True)


def recall_at_k(ranked: Sequence[object], relevant: AbstractSet[object], k: int) -> float:
    """Hits in the top k over all relevant items (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def capped_recall_at_k(ranked: Sequence[object], relevant: AbstractSet[object], k: int) -> float:
    """Hits in the top k over min(k, relevant): 1.0 is reachable even with many held out."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant))


def ndcg_at_k(ranked: Sequence[object], relevant: AbstractSet[object], k: int) -> float:
    """Binary-gain NDCG: sum 1/log2(rank+1) over hits, over the ideal for min(k, relevant)."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(k, len(relevant))))
    return float(dcg / ideal)


def evaluate_rankings(
    rankings: dict[object, Sequence[object]], held_out: dict[object, set[object]]
) -> dict[str, float]:
    """Mean metrics over the stores with at least one held-out pair."""
    stores = [s for s, rel in held_out.items() if rel]
    out: dict[str, list[float]] = {
        "recall@5": [],
        "recall@10": [],
        "capped_recall@10": [],
        "ndcg@10": [],
    }
    for s in stores:
        ranked, rel = list(rankings.get(s, [])), held_out[s]
        out["recall@5"].append(recall_at_k(ranked, rel, 5))
        out["recall@10"].append(recall_at_k(ranked, rel, 10))
        out["capped_recall@10"].append(capped_recall_at_k(ranked, rel, 10))
        out["ndcg@10"].append(ndcg_at_k(ranked, rel, 10))
    return {k: float(np.mean(v)) if v else 0.0 for k, v in out.items()}
