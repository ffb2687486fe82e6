"""Import of real sales data in the plain CSV schema (see docs/data.md).

Three files: stores.csv (store_id + attributes), products.csv (product_id, name, category +
attributes) and sales.csv[.gz] (date, store_id, product_id, units [, price, base_price, promo,
display, feature, tpr]), daily or weekly (a weekly row is stored on its period-end date).

Everything is validated before anything is written; the first errors are reported with file,
line and column, and the whole import runs in one transaction. Re-running an import changes
nothing: stores are matched by code, products by SKU, sales rows by (store, product, date).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.barcodes import ean13_check_digit, is_valid_ean13
from catalog.models import Category, Product
from catalog.pinyin import pinyin_keys
from lst.bulk import bulk_insert
from lst.errors import ValidationFailed

from .models import DailySales, Store

MAX_ERRORS = 20
FLAG_COLUMNS = ("promo", "display", "feature", "tpr")
# Without a cost column, unit cost is assumed to be this share of the typical price paid.
ASSUMED_COST_SHARE = Decimal("0.70")
NEIGHBOURHOODS = {c.value for c in Store.Neighbourhood}


@dataclass
class ImportReport:
    stores_created: int = 0
    stores_updated: int = 0
    products_created: int = 0
    products_updated: int = 0
    sales_created: int = 0
    sales_updated: int = 0
    sales_unchanged: int = 0
    frequency: str = "D"
    errors: list[str] = field(default_factory=list)


class ImportErrors(ValidationFailed):
    default_code = "import_invalid"


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        raise ImportErrors(f"{path.name}: cannot be read as CSV ({exc})") from exc


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def require_columns(self, df: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            self.errors.append(f"{path.name}: missing column(s) {', '.join(missing)}")

    def bad_rows(
        self, path: Path, column: str, mask: np.ndarray, df: pd.DataFrame, why: str
    ) -> None:
        for idx in np.flatnonzero(mask)[: MAX_ERRORS - len(self.errors)]:
            value = df[column].iloc[idx]
            # +2: the header is line 1 and lines count from 1.
            self.errors.append(f"{path.name} line {idx + 2}, column {column}: {value!r} {why}")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportErrors(
                f"{len(self.errors)} problem(s) found; nothing was imported.",
                fields={"errors": self.errors[:MAX_ERRORS]},
            )


def _internal_barcode(sku: str, taken: set[str]) -> str:
    """A stable EAN-13 in the 20-29 'in-store' prefix range for products that have none."""
    n = int(hashlib.sha256(sku.encode()).hexdigest(), 16)
    while True:
        first12 = f"2{n % 10**11:011d}"
        code = first12 + str(ean13_check_digit(first12))
        if code not in taken:
            return code
        n += 1


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def _parse_sales(
    path: Path, check: _Checker, store_ids: set[str], product_ids: set[str]
) -> pd.DataFrame:
    df = _read(path)
    check.require_columns(df, path, ("date", "store_id", "product_id", "units"))
    if check.errors:
        return df
    dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    check.bad_rows(path, "date", dates.isna().to_numpy(), df, "is not an ISO date (YYYY-MM-DD)")
    units = pd.to_numeric(df["units"], errors="coerce")
    bad_units = (units.isna() | (units < 0) | (units % 1 != 0)).to_numpy()
    check.bad_rows(path, "units", bad_units, df, "is not a whole number of units >= 0")
    check.bad_rows(
        path, "store_id", ~df["store_id"].isin(store_ids).to_numpy(), df, "is not in stores.csv"
    )
    check.bad_rows(
        path,
        "product_id",
        ~df["product_id"].isin(product_ids).to_numpy(),
        df,
        "is not in products.csv",
    )
    out = pd.DataFrame(
        {
            "date": dates.dt.date,
            "store_id": df["store_id"],
            "product_id": df["product_id"],
            "units": units,
        }
    )
    for col in ("price", "base_price"):
        if col in df.columns:
            vals = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
            bad = ((vals.isna() & (df[col] != "")) | (vals < 0)).to_numpy()
            check.bad_rows(path, col, bad, df, "is not a price >= 0")
            out[col] = vals
    flags = np.zeros(len(df), dtype=bool)
    for col in FLAG_COLUMNS:
        if col in df.columns:
            bad = ~df[col].isin(["0", "1", ""]).to_numpy()
            check.bad_rows(path, col, bad, df, "is not 0 or 1")
            flags |= (df[col] == "1").to_numpy()
    out["promo"] = flags
    if not check.errors:
        dup = out.duplicated(["store_id", "product_id", "date"]).to_numpy()
        check.bad_rows(path, "date", dup, df, "repeats a store, product and date already given")
    return out


def _infer_frequency(dates: pd.Series) -> str:
    unique = np.sort(pd.to_datetime(pd.Series(dates.unique())).to_numpy())
    if len(unique) < 2:
        return "D"
    step = np.median(np.diff(unique).astype("timedelta64[D]").astype(int))
    return "W" if step >= 7 else "D"


@transaction.atomic
def sales_import(*, sales: Path, stores: Path, products: Path) -> ImportReport:
    check = _Checker()
    stores_df, products_df = _read(stores), _read(products)
    check.require_columns(stores_df, stores, ("store_id",))
    check.require_columns(products_df, products, ("product_id", "name", "category"))
    check.raise_if_any()
    for path, df, col in ((stores, stores_df, "store_id"), (products, products_df, "product_id")):
        check.bad_rows(path, col, (df[col].str.strip() == "").to_numpy(), df, "is empty")
        check.bad_rows(path, col, df[col].duplicated().to_numpy(), df, "is listed twice")
    for col in ("name", "category"):
        check.bad_rows(
            products, col, (products_df[col].str.strip() == "").to_numpy(), products_df, "is empty"
        )
    check.raise_if_any()
    sales_df = _parse_sales(
        sales, check, set(stores_df["store_id"]), set(products_df["product_id"])
    )
    check.raise_if_any()

    report = ImportReport(frequency=_infer_frequency(sales_df["date"]))
    store_map = _upsert_stores(stores_df, report)
    product_map = _upsert_products(products_df, sales_df, report)
    _upsert_sales(sales_df, store_map, product_map, report)
    return report


def _upsert_stores(df: pd.DataFrame, report: ImportReport) -> dict[str, int]:
    existing = {
        s.code: s for s in Store.objects.filter(code__in=[_store_code(x) for x in df["store_id"]])
    }
    to_create, to_update = [], []
    for row in df.to_dict("records"):
        code = _store_code(row["store_id"])
        values = {
            "name": (row.get("name") or f"Store {row['store_id']}")[:200],
            "city": (row.get("city") or "")[:100],
            "district": (row.get("district") or "")[:100],
        }
        nb = (row.get("neighbourhood") or "").lower()
        if nb in NEIGHBOURHOODS:
            values["neighbourhood"] = nb
        area = row.get("floor_area_m2") or ""
        if re.fullmatch(r"\d+(\.\d+)?", area):
            values["floor_area_m2"] = int(float(area))
        store = existing.get(code)
        if store is None:
            to_create.append(Store(code=code, status=Store.Status.ACTIVE, **values))
        elif any(getattr(store, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(store, k, v)
            to_update.append(store)
    Store.objects.bulk_create(to_create)
    if to_update:
        Store.objects.bulk_update(
            to_update, ["name", "city", "district", "neighbourhood", "floor_area_m2"]
        )
    report.stores_created, report.stores_updated = len(to_create), len(to_update)
    codes = {_store_code(x): x for x in df["store_id"]}
    return {codes[s.code]: s.pk for s in Store.objects.filter(code__in=list(codes))}


def _store_code(store_id: str) -> str:
    return slugify(store_id) or hashlib.sha1(store_id.encode()).hexdigest()[:12]  # noqa: S324


def _upsert_products(df: pd.DataFrame, sales: pd.DataFrame, report: ImportReport) -> dict[str, int]:
    price_col = (
        "base_price"
        if "base_price" in sales.columns
        else ("price" if "price" in sales.columns else None)
    )
    typical = sales.groupby("product_id")[price_col].median() if price_col else pd.Series()
    categories = {}
    for name in sorted(set(df["category"])):
        code = slugify(name)[:60] or "cat-" + hashlib.sha1(name.encode()).hexdigest()[:10]  # noqa: S324
        categories[name], _ = Category.objects.get_or_create(code=code, defaults={"name": name})
    existing = {p.sku: p for p in Product.objects.filter(sku__in=list(df["product_id"]))}
    taken = set(Product.objects.values_list("barcode", flat=True))
    to_create, to_update = [], []
    fields = [
        "name",
        "search_pinyin",
        "brand",
        "category",
        "retail_price",
        "unit_cost",
        "case_pack",
    ]
    for row in df.to_dict("records"):
        sku = row["product_id"]
        price = typical.get(sku, np.nan) if price_col else np.nan
        retail = _money(price) if price == price else Decimal("0.00")
        cost_raw = row.get("unit_cost") or row.get("cost") or ""
        cost = (
            _money(float(cost_raw))
            if re.fullmatch(r"\d+(\.\d+)?", cost_raw)
            else (retail * ASSUMED_COST_SHARE).quantize(Decimal("0.01"))
        )
        pack = row.get("case_pack") or ""
        values = {
            "name": row["name"][:200],
            "search_pinyin": pinyin_keys(row["name"][:200]),  # bulk writes skip Product.save
            "brand": (row.get("brand") or row.get("manufacturer") or "")[:100],
            "category": categories[row["category"]],
            "retail_price": retail,
            "unit_cost": cost,
            "case_pack": int(pack) if pack.isdigit() and int(pack) >= 1 else 1,
        }
        product = existing.get(sku)
        if product is None:
            code = row.get("barcode") or ""
            if not is_valid_ean13(code) or code in taken:
                code = _internal_barcode(sku, taken)
            taken.add(code)
            to_create.append(Product(sku=sku, barcode=code, **values))
        elif any(getattr(product, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(product, k, v)
            to_update.append(product)
    Product.objects.bulk_create(to_create)
    if to_update:
        Product.objects.bulk_update(to_update, fields)
    report.products_created, report.products_updated = len(to_create), len(to_update)
    return dict(Product.objects.filter(sku__in=list(df["product_id"])).values_list("sku", "pk"))


def _upsert_sales(
    df: pd.DataFrame, store_map: dict[str, int], product_map: dict[str, int], report: ImportReport
) -> None:
    store_ids = df["store_id"].map(store_map).to_numpy()
    product_ids = df["product_id"].map(product_map).to_numpy()
    price = df["price"].to_numpy() if "price" in df.columns else None
    retail = dict(
        Product.objects.filter(pk__in=set(product_map.values())).values_list("pk", "retail_price")
    )
    existing = {
        (s, p, d): (pk, u, r, pr)
        for pk, s, p, d, u, r, pr in DailySales.objects.filter(
            store_id__in=set(store_map.values())
        ).values_list("pk", "store_id", "product_id", "date", "units", "revenue", "promo")
    }
    now = timezone.now()
    new_rows, changed = [], []
    units, dates, promo = df["units"].to_numpy(), df["date"].to_numpy(), df["promo"].to_numpy()
    for i in range(len(df)):
        s, p, d, u = int(store_ids[i]), int(product_ids[i]), dates[i], int(units[i])
        unit_price = _money(price[i]) if price is not None and price[i] == price[i] else retail[p]
        revenue = (unit_price * u).quantize(Decimal("0.01"))
        flag = bool(promo[i])
        old = existing.get((s, p, d))
        if old is None:
            new_rows.append((s, p, d, u, revenue, flag, now, now))
        elif old[1:] != (u, revenue, flag):
            changed.append(
                DailySales(pk=old[0], units=u, revenue=revenue, promo=flag, updated_at=now)
            )
        else:
            report.sales_unchanged += 1
    report.sales_created = bulk_insert(
        DailySales,
        ["store_id", "product_id", "date", "units", "revenue", "promo", "created_at", "updated_at"],
        new_rows,
    )
    DailySales.objects.bulk_update(
        changed, ["units", "revenue", "promo", "updated_at"], batch_size=2000
    )
    report.sales_updated = len(changed)
