"""The synthetic chain generator has the structure it promises (and is deterministic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.assortment.synthetic import CHAINS, ChainSpec, make_chain

SPEC = ChainSpec(stores=60, products=1200, weeks=30, regions=4, local_share=0.2, seed=5)


@pytest.fixture(scope="module")
def chain():  # type: ignore[no-untyped-def]
    return make_chain(SPEC)


def test_same_seed_same_chain(chain) -> None:  # type: ignore[no-untyped-def]
    again = make_chain(SPEC)
    pd.testing.assert_frame_equal(chain.sales, again.sales)
    pd.testing.assert_frame_equal(chain.products, again.products)
    other = make_chain(ChainSpec(stores=60, products=1200, seed=6))
    assert chain.true_range.shape == other.true_range.shape
    assert (chain.true_range != other.true_range).any()


def test_plain_schema_and_margins(chain) -> None:  # type: ignore[no-untyped-def]
    assert {"date", "store_id", "product_id", "units"} <= set(chain.sales.columns)
    assert (chain.sales["units"] > 0).all()
    assert chain.sales["date"].nunique() == SPEC.weeks
    assert {"neighbourhood", "floor_area_m2", "city"} <= set(chain.stores.columns)
    assert (chain.products["unit_cost"] < chain.products["price"]).all()


def test_long_tail_popularity(chain) -> None:  # type: ignore[no-untyped-def]
    carriers = np.sort(chain.true_range.sum(axis=0))[::-1]
    top_tenth = carriers[: len(carriers) // 10].sum() / carriers.sum()
    assert top_tenth > 0.35  # a tenth of the catalogue makes over a third of the ranges
    assert (carriers <= 3).mean() > 0.3  # and many products are carried by very few stores


def test_local_products_stay_in_their_region(chain) -> None:  # type: ignore[no-untyped-def]
    region = chain.stores["city"].to_numpy()
    per_product = [set(region[chain.true_range[:, j]]) for j in range(SPEC.products)]
    single = np.mean([len(r) == 1 for r in per_product if len(r) > 0])
    assert single > 0.15  # about local_share of the carried products sell in one region only


def test_segments_have_their_own_favourites(chain) -> None:  # type: ignore[no-untyped-def]
    seg = chain.stores["neighbourhood"].to_numpy()
    r = chain.true_range.astype(float)
    inter = r @ r.T
    union = r.sum(1)[:, None] + r.sum(1)[None, :] - inter
    jaccard = inter / union
    same = seg[:, None] == seg[None, :]
    off = ~np.eye(len(seg), dtype=bool)
    assert jaccard[same & off].mean() > 1.3 * jaccard[~same].mean()


def test_bigger_stores_carry_more(chain) -> None:  # type: ignore[no-untyped-def]
    size = chain.true_range.sum(axis=1)
    area = chain.stores["floor_area_m2"].to_numpy()
    assert np.corrcoef(area, size)[0, 1] > 0.9


def test_the_bench_chains_reach_the_catalogue_sizes() -> None:
    assert max(s.products for s in CHAINS.values()) >= 20_000
    assert {s.stores for s in CHAINS.values()} >= {500}
