"""Small synthetic sales frames for the engine tests (made here, never real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sales_frame(
    n_stores: int = 4,
    n_products: int = 6,
    periods: int = 120,
    freq: str = "D",
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long sales (with price, base_price, promo, display) and products (with category).

    Weekly pattern, random promotions that lift demand, one intermittent product, one product
    launched late, and a product that store 0 never carries.
    """
    rng = np.random.default_rng(seed)
    step = pd.Timedelta(days=1 if freq == "D" else 7)
    dates = pd.Timestamp("2024-01-03") + step * np.arange(periods)
    rows = []
    for st in range(n_stores):
        for pr in range(n_products):
            if st == 0 and pr == n_products - 1:
                continue  # not carried
            base = 2.0 + 3.0 * rng.random() * (1 + pr % 3)
            if pr == 1:
                base = 0.3  # intermittent
            first = periods // 2 if pr == 2 else 0
            weekly = 1 + (0.3 * np.sin(2 * np.pi * np.arange(periods) / 7) if freq == "D" else 0)
            promo = (rng.random(periods) < 0.15).astype(int)
            paired = promo & (rng.random(periods) < 0.5)
            display = ((rng.random(periods) < 0.1) | paired).astype(int)
            base_price = 2.0 + pr * 0.5
            price = np.where(promo == 1, base_price * 0.8, base_price)
            mu = base * weekly * (1 + 1.5 * promo + 0.5 * display)
            units = rng.poisson(mu)
            for t in range(first, periods):
                if units[t] == 0 and rng.random() < 0.5:
                    continue  # a zero sale may have no row
                rows.append(
                    (
                        dates[t],
                        f"S{st}",
                        f"P{pr}",
                        int(units[t]),
                        price[t],
                        base_price,
                        promo[t],
                        display[t],
                    )
                )
    sales = pd.DataFrame(
        rows,
        columns=[
            "date",
            "store_id",
            "product_id",
            "units",
            "price",
            "base_price",
            "promo",
            "display",
        ],
    )
    products = pd.DataFrame(
        {
            "product_id": [f"P{p}" for p in range(n_products)],
            "category": [f"C{p % 2}" for p in range(n_products)],
        }
    )
    return sales, products
