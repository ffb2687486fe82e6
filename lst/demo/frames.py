"""The demo chain's demand as plain-schema frames, for benches that run without a database."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .catalog_data import CATEGORIES
from .generator import NEIGHBOURHOODS, demo_products, simulate


def demo_plain_frames(
    *, stores: int, products: int, days: int, seed: int, end: dt.date = dt.date(2025, 6, 30)
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(sales, stores, products) in the plain schema; products also carry case_pack and
    unit_cost, sales carry price, base_price and promo."""
    catalog = demo_products(products)
    dates = [end - dt.timedelta(days=days - 1 - i) for i in range(days)]
    demand = simulate(stores=stores, products=catalog, dates=dates, seed=seed)
    s, p, d = np.nonzero(demand.units)
    base = np.array([x.price for x in catalog])
    sales = pd.DataFrame(
        {
            "date": pd.to_datetime(np.array(dates, dtype="datetime64[D]")[d]),
            "store_id": np.char.add("S", (s + 1).astype(str)).astype(object),
            "product_id": np.char.add("P", (p + 1).astype(str)).astype(object),
            "units": demand.units[s, p, d].astype(np.int64),
            "price": demand.price[p, d],
            "base_price": base[p],
            "promo": demand.promo[p, d].astype(np.int8),
        }
    )
    rng = np.random.default_rng(seed + 1)
    store_frame = pd.DataFrame(
        {
            "store_id": [f"S{i + 1}" for i in range(stores)],
            "neighbourhood": [NEIGHBOURHOODS[k] for k in demand.neighbourhood],
            "floor_area_m2": (40 + 80 * demand.store_scale).astype(int),
            "district": rng.choice(
                ["xihu", "shangcheng", "gongshu", "binjiang", "xiaoshan"], stores
            ),
        }
    )
    product_frame = pd.DataFrame(
        {
            "product_id": [f"P{x.index + 1}" for x in catalog],
            "name": [x.name_en for x in catalog],
            "category": [CATEGORIES[x.category].code for x in catalog],
            "price": base,
            "unit_cost": [round(x.price * (1 - CATEGORIES[x.category].margin), 2) for x in catalog],
            "case_pack": [x.case_pack for x in catalog],
            "shelf_life_days": [x.shelf_life_days for x in catalog],
        }
    )
    return sales, store_frame, product_frame
