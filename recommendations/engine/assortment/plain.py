"""Read a dataset in the plain sales schema (see the data README) into frames.

A small loader private to the assortment engine; it only reads files, it never guesses values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class PlainData:
    sales: pd.DataFrame  # date, store_id, product_id, units, optional price/promo columns
    stores: pd.DataFrame | None  # store_id then any attributes
    products: pd.DataFrame | None  # product_id, name, category, then any attributes


def _find(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.csv", f"{stem}.csv.gz"):
        if (directory / name).exists():
            return directory / name
    return None


def read_plain_dir(directory: str | Path) -> PlainData:
    """Load `sales.csv[.gz]`, and `stores.csv` / `products.csv` when present.

    Ids are read as strings so that numeric-looking and alphanumeric ids behave the same.
    """
    root = Path(directory)
    sales_path = _find(root, "sales")
    if sales_path is None:
        raise FileNotFoundError(f"no sales.csv or sales.csv.gz in {root}")
    sales = pd.read_csv(sales_path, dtype={"store_id": str, "product_id": str})
    sales["date"] = pd.to_datetime(sales["date"])
    stores_path, products_path = _find(root, "stores"), _find(root, "products")
    stores = pd.read_csv(stores_path, dtype={"store_id": str}) if stores_path else None
    products = pd.read_csv(products_path, dtype={"product_id": str}) if products_path else None
    return PlainData(sales=sales, stores=stores, products=products)
