"""Synthetic convenience-store chains in the plain sales schema, for tests and the bench.

A chain is built the way ranges are decided in practice: every store ranks the catalogue by how
well each product suits it and carries the top of the list (bigger stores carry more), then sells
each carried product at a Poisson weekly rate. What drives the ranking:

- long-tail popularity (a log-normal product appeal, so a few products are everywhere and most
  are carried by few stores);
- store segments (neighbourhood types) with their own favourite categories and products;
- regions with local products (carried only by stores of that region);
- a price band per product, which suits some segments better than others;
- store noise (the manager's own picks), so no structure is perfectly clean.

Sales: weekly rate = product base rate x store size x segment / local lift; a slow seller may not
sell at all in the carried window, and some products are launched during the history, exactly
the noise the real data has. Nothing here is fitted to any real dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SEGMENTS = ("office", "residential", "school", "transit", "tourist", "industrial")
BANDS = ("low", "mid", "high")


@dataclass(frozen=True)
class ChainSpec:
    stores: int = 200
    products: int = 5000
    weeks: int = 30
    categories: int = 40
    segments: int = 5  # at most len(SEGMENTS)
    regions: int = 8
    range_share: float = 0.10  # median share of the catalogue a store carries
    popularity_sigma: float = 1.6  # spread of product appeal (long tail)
    segment_strength: float = 1.0  # sd of segment x category and segment favourite lifts
    favourite_share: float = 0.05  # share of products that are some segment's favourite
    local_share: float = 0.15  # share of products sold in one region only
    noise: float = 0.8  # sd of the store's own (unexplained) preference
    launch_share: float = 0.05  # share of products launched during the history
    rate_appeal: float = 0.3  # how much a widely carried product also sells faster
    rate_sigma: float = 0.7  # sd of the product's own velocity, independent of its appeal
    seed: int = 0


@dataclass(frozen=True)
class Chain:
    sales: pd.DataFrame  # date, store_id, product_id, units, price
    stores: pd.DataFrame  # store_id, neighbourhood, floor_area_m2, city
    products: pd.DataFrame  # product_id, name, category, price, unit_cost
    true_range: np.ndarray  # (S, P) bool: what each store decided to carry


def make_chain(spec: ChainSpec) -> Chain:
    """A chain following `spec`; deterministic for `spec.seed`."""
    rng = np.random.default_rng(spec.seed)
    n_s, n_p, n_c = spec.stores, spec.products, spec.categories
    n_seg = max(1, min(spec.segments, len(SEGMENTS)))
    # Products: Zipf-like category sizes, log-normal appeal, a price band, a local region.
    cat_w = 1.0 / np.arange(1, n_c + 1) ** 0.7
    cat = rng.choice(n_c, size=n_p, p=cat_w / cat_w.sum())
    appeal = rng.normal(0.0, spec.popularity_sigma, size=n_p)
    band = rng.integers(len(BANDS), size=n_p)
    cat_price = np.exp(rng.normal(1.2, 0.6, size=n_c))
    price = np.round(
        cat_price[cat] * np.array([0.7, 1.0, 1.5])[band] * rng.lognormal(0, 0.15, n_p), 2
    )
    margin_rate = np.clip(
        rng.normal(0.28, 0.08, size=n_c)[cat] + rng.normal(0, 0.04, n_p), 0.05, 0.6
    )
    region_of = np.where(
        rng.random(n_p) < spec.local_share, rng.integers(spec.regions, size=n_p), -1
    )
    launch = np.where(
        rng.random(n_p) < spec.launch_share, rng.integers(1, spec.weeks - 2, size=n_p), 0
    )
    # Stores: a segment, a region, a floor area.
    seg = rng.integers(n_seg, size=n_s)
    region = rng.integers(spec.regions, size=n_s)
    area = np.round(np.exp(rng.normal(np.log(80), 0.35, size=n_s)))
    # Suitability of each product for each store.
    seg_cat = rng.normal(0.0, spec.segment_strength, size=(n_seg, n_c))
    seg_band = rng.normal(0.0, 0.5 * spec.segment_strength, size=(n_seg, len(BANDS)))
    fav = np.zeros((n_seg, n_p))
    n_fav = max(1, int(spec.favourite_share * n_p))
    for g in range(n_seg):
        fav[g, rng.choice(n_p, size=n_fav, replace=False)] = rng.gamma(
            2.0, spec.segment_strength, size=n_fav
        )
    util = appeal[None, :] + seg_cat[seg][:, cat] + seg_band[seg][:, band] + fav[seg]
    util += rng.normal(0.0, spec.noise, size=(n_s, n_p))
    local = region_of >= 0
    util[:, local] += np.where(region[:, None] == region_of[None, local], 1.5, -np.inf)
    # Range size grows with floor area; each store carries its top products.
    size = np.clip(
        np.round(spec.range_share * n_p * (area / np.median(area)) ** 0.8), 5, n_p - 1
    ).astype(np.int64)
    order = np.argsort(-util, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n_p)[None, :].repeat(n_s, 0), axis=1)
    carried = (ranks < size[:, None]) & np.isfinite(util)
    # Weekly rates: base rate from appeal, store size, the segment / local lift.
    s_idx, p_idx = np.nonzero(carried)
    lift = util[s_idx, p_idx] - appeal[p_idx]
    # A product's velocity is only loosely tied to how widely it is carried (a staple such as
    # batteries is everywhere and sells slowly).
    own_rate = rng.normal(0.0, spec.rate_sigma, size=n_p)
    rate = np.exp(
        -0.8
        + spec.rate_appeal * appeal[p_idx]
        + own_rate[p_idx]
        + 0.25 * np.clip(lift, -3, 3)
        + 0.6 * np.log(area[s_idx] / 80)
    )
    weeks = spec.weeks
    units = rng.poisson(np.repeat(rate[:, None], weeks, axis=1))  # (pairs, weeks)
    units[np.arange(weeks)[None, :] < launch[p_idx][:, None]] = 0
    pair, week = np.nonzero(units)
    end = pd.Timestamp("2025-06-29")
    store_ids = np.array([f"S{i}" for i in range(n_s)], dtype=object)
    product_ids = np.array([f"P{j}" for j in range(n_p)], dtype=object)
    sales = pd.DataFrame(
        {
            "date": end - pd.to_timedelta(7 * (weeks - 1 - week), unit="D"),
            "store_id": store_ids[s_idx[pair]],
            "product_id": product_ids[p_idx[pair]],
            "units": units[pair, week].astype(np.int64),
            "price": price[p_idx[pair]],
        }
    )
    stores = pd.DataFrame(
        {
            "store_id": store_ids,
            "neighbourhood": np.array(SEGMENTS, dtype=object)[seg],
            "floor_area_m2": area,
            "city": np.array([f"region{r}" for r in region], dtype=object),
        }
    )
    products = pd.DataFrame(
        {
            "product_id": product_ids,
            "name": [f"product {j}" for j in range(n_p)],
            "category": np.array([f"c{c}" for c in cat], dtype=object),
            "price": price,
            "unit_cost": np.round(price * (1 - margin_rate), 2),
        }
    )
    return Chain(sales=sales, stores=stores, products=products, true_range=carried)


# The chains the bench runs (sizes and what each stresses).
CHAINS: dict[str, ChainSpec] = {
    # A city's convenience chain: few stores, strong neighbourhood favourites.
    "city": ChainSpec(stores=60, products=1500, range_share=0.2, segment_strength=1.2, seed=1),
    # A regional chain: many local products, weaker segments, more store noise.
    "regional": ChainSpec(
        stores=200, products=6000, local_share=0.3, segment_strength=0.7, noise=1.0, seed=2
    ),
    # Like a grocery chain: ~110 stores, a 24,000-product catalogue, a very long tail.
    "grocery": ChainSpec(
        stores=110,
        products=24_000,
        range_share=0.06,
        popularity_sigma=1.2,
        segment_strength=0.5,
        noise=1.0,
        seed=3,
    ),
    # The scale target: 500 stores x 20,000 products.
    "scale": ChainSpec(stores=500, products=20_000, range_share=0.08, seed=4),
}
