"""Ranking metrics with answers computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recommendations.engine.assortment import (
    capped_recall_at_k,
    evaluate_rankings,
    holdout_pairs,
    ndcg_at_k,
    recall_at_k,
)

RANKED = ["a", "b", "c", "d", "e"]


def test_recall_at_k() -> None:
    assert recall_at_k(RANKED, {"b", "e", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, {"b", "e", "z"}, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, set(), 5) == 0.0


def test_capped_recall_divides_by_min_k_and_relevant() -> None:
    relevant = {"a", "c", "x", "y", "z"}
    assert capped_recall_at_k(RANKED, relevant, 2) == pytest.approx(1 / 2)  # 1 hit of 2 slots
    assert recall_at_k(RANKED, relevant, 2) == pytest.approx(1 / 5)
    assert capped_recall_at_k(RANKED, {"c"}, 5) == 1.0


def test_ndcg_at_k() -> None:
    # Hits at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal for 2 relevant = 1 + 1/log2(3).
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKED, {"b", "d"}, 5) == pytest.approx(expected)
    assert ndcg_at_k(RANKED, {"a", "b"}, 5) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, {"e"}, 4) == 0.0
    # Only k slots count toward the ideal: 3 relevant, k=1, hit at rank 1 -> 1.0.
    assert ndcg_at_k(RANKED, {"a", "x", "y"}, 1) == pytest.approx(1.0)


def test_evaluate_rankings_averages_over_stores_with_held_out_pairs() -> None:
    out = evaluate_rankings(
        {"s1": ["a", "b"], "s2": ["c"]}, {"s1": {"b"}, "s2": {"x"}, "s3": set()}
    )
    assert out["recall@5"] == pytest.approx(0.5)
    assert out["ndcg@10"] == pytest.approx((1 / math.log2(3)) / 2)


def test_holdout_is_a_fixed_fraction_for_a_seed() -> None:
    pairs = pd.DataFrame({"store_id": ["s"] * 50, "product_id": [f"p{i}" for i in range(50)]})
    a = holdout_pairs(pairs, 0.1, seed=7)
    b = holdout_pairs(pairs.iloc[::-1], 0.1, seed=7)
    assert len(a) == 5
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(holdout_pairs(pairs, 0.1, seed=8))
