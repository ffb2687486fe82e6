"""The one place that turns querysets into frames for the engine, and engine results into rows.

Reads are bulk: PostgreSQL streams with COPY, SQLite with one query; nothing loops over rows in
Python that the database or pandas can do.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from catalog.models import Product
from recommendations.engine.forecast import Panel, build_panel
from replenishment.models import ReplenishmentOrder, ReplenishmentOrderLine
from stores.localtime import zone_named
from stores.models import DailySales, StockLevel, StockOut, Store

OPEN_ORDER_STATUSES = (
    ReplenishmentOrder.Status.SUBMITTED,
    ReplenishmentOrder.Status.CONFIRMED,
    ReplenishmentOrder.Status.PICKING,
    ReplenishmentOrder.Status.SHIPPED,
    ReplenishmentOrder.Status.DELIVERED,
)


def _read_query(sql: str, params: Sequence[Any]) -> pd.DataFrame:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            query = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
            buffer.seek(0)
            return pd.read_csv(buffer)
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def _store_filter(column: str, store_ids: Sequence[int] | None) -> tuple[str, list[object]]:
    if store_ids is None:
        return "", []
    ids = [int(i) for i in store_ids] or [-1]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def sales_frame(
    *,
    store_ids: Sequence[int] | None,
    start: dt.date,
    end: dt.date,
    stockouts: bool = False,
) -> pd.DataFrame:
    """Daily sales in the engine's plain schema: store_id, product_id, date, units, price,
    base_price, promo. `price` is the average price paid; `base_price` the product's retail price.

    `stockouts=True` adds the 0/1 column `stockout`: 1 on a store-local day that ended out of
    stock (see :func:`stockout_days_frame`), with a row of 0 units for such a day without a sale,
    so the forecaster reads those days as censored, not as zero demand. Only pairs that have a
    sales row in the window get the extra rows (the others are no series).
    """
    table = DailySales._meta.db_table
    products = Product._meta.db_table
    in_stores, params = _store_filter("ds.store_id", store_ids)
    # Table names come from model metadata and values are bound parameters. `promo` is read as
    # 0/1: PostgreSQL's COPY writes booleans as "t"/"f", and any non-empty string is truthy.
    sql = (
        "SELECT ds.store_id, ds.product_id, ds.date, ds.units, ds.revenue, "  # noqa: S608
        "CASE WHEN ds.promo THEN 1 ELSE 0 END AS promo, "
        f"p.retail_price AS base_price FROM {table} ds JOIN {products} p ON p.id = ds.product_id "
        f"WHERE ds.date >= %s AND ds.date <= %s{in_stores}"
    )
    df = _read_query(sql, [start, end, *params])
    if df.empty:
        columns = ["store_id", "product_id", "date", "units", "price", "base_price", "promo"]
        return pd.DataFrame(columns=[*columns, "stockout"] if stockouts else columns)
    df["date"] = pd.to_datetime(df["date"])
    df["units"] = df["units"].astype(np.int64)
    revenue = df.pop("revenue").astype(float)
    df["base_price"] = df["base_price"].astype(float)
    df["price"] = np.where(df["units"] > 0, revenue / df["units"].clip(lower=1), df["base_price"])
    df["promo"] = df["promo"].astype(np.int8)
    if stockouts:
        df = with_stockouts(df, stockout_days_frame(store_ids=store_ids, start=start, end=end))
    return df


def stockout_days_frame(
    *, store_ids: Sequence[int] | None, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """The store-local days in [start, end] that ended out of stock: store_id, product_id, date.

    A day ended out of stock when a `StockOut` spell covers the end of that day in the store's
    time zone: it started before the next local midnight and had not ended by it. So a spell
    from `started_at` to `ended_at` covers the local dates from local_date(started_at) to
    local_date(ended_at) - 1 (to `end` while open). Spells are few (a handful per line and
    year), so they are read whole and expanded into days with numpy, never a loop per day.
    """
    spells = StockOut._meta.db_table
    stores = Store._meta.db_table
    in_stores, params = _store_filter("so.store_id", store_ids)
    # Loose UTC bounds (a local day is within a day and a half of its UTC date); the exact cut
    # is made in local time below.
    lo = dt.datetime.combine(start - dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    sql = (
        "SELECT so.store_id, so.product_id, so.started_at, so.ended_at, "  # noqa: S608
        f"s.timezone FROM {spells} so JOIN {stores} s ON s.id = so.store_id "
        f"WHERE so.started_at < %s AND (so.ended_at IS NULL OR so.ended_at >= %s){in_stores}"
    )
    found = _read_query(sql, [hi, lo, *params])
    columns = ["store_id", "product_id", "date"]
    if found.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns}).assign(
            date=pd.Series(dtype="datetime64[ns]")
        )
    started = pd.to_datetime(found["started_at"], utc=True, format="mixed")
    ended = pd.to_datetime(found["ended_at"], utc=True, format="mixed")
    first = np.empty(len(found), "datetime64[D]")
    last = np.empty(len(found), "datetime64[D]")
    for name, rows in found.groupby("timezone", sort=False).indices.items():
        zone = zone_named(str(name))

        def local_day(ts: pd.Series, zone: Any = zone) -> np.ndarray:
            local = ts.dt.tz_convert(zone).dt.tz_localize(None)
            return local.to_numpy().astype("datetime64[D]")

        first[rows] = local_day(started.iloc[rows])
        last[rows] = local_day(ended.iloc[rows]) - np.timedelta64(1, "D")
    lo_day, hi_day = np.datetime64(start, "D"), np.datetime64(end, "D")
    first = np.maximum(first, lo_day)
    last = np.minimum(np.where(np.isnat(last), hi_day, last), hi_day)
    n_days = (last - first).astype(np.int64) + 1
    keep = n_days > 0
    n_days = n_days[keep]
    which = np.repeat(np.flatnonzero(keep), n_days)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(n_days) - n_days, n_days)
    days = pd.DataFrame(
        {
            "store_id": found["store_id"].to_numpy(np.int64)[which],
            "product_id": found["product_id"].to_numpy(np.int64)[which],
            "date": pd.to_datetime(first[which] + offset.astype("timedelta64[D]")),
        }
    )
    return days.drop_duplicates(ignore_index=True)


def with_stockouts(sales: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """`sales` (one row per store, product and date) with the 0/1 column `stockout` from `days`
    (store_id, product_id, date), adding a row of 0 units at the retail price for an
    out-of-stock day without a sale, for pairs that have a sales row."""
    sales = sales.assign(stockout=np.zeros(len(sales), np.int8))
    if days.empty or sales.empty:
        return sales
    width = int(max(sales["product_id"].max(), days["product_id"].max())) + 1
    pair = sales["store_id"].to_numpy(np.int64) * width + sales["product_id"].to_numpy(np.int64)
    day_pair = days["store_id"].to_numpy(np.int64) * width + days["product_id"].to_numpy(np.int64)
    # Match (pair, date) only among the sales rows of pairs that were ever out: hashing the few
    # out-of-stock pairs, not the 9M rows of a large window.
    touched = np.flatnonzero(pd.Series(pair).isin(pd.unique(day_pair)).to_numpy())
    sold_pairs = pd.unique(pair[touched])
    keep = pd.Series(day_pair).isin(sold_pairs).to_numpy()
    days, day_pair = days[keep], day_pair[keep]
    if days.empty:
        return sales
    epoch = np.datetime64("1970-01-01", "D")
    sales_day = (sales["date"].to_numpy()[touched].astype("datetime64[D]") - epoch).astype(np.int64)
    out_day = (days["date"].to_numpy().astype("datetime64[D]") - epoch).astype(np.int64)
    span = 1 << 20  # days since 1970 fit in 20 bits until the year 4840
    position = pd.Index(pair[touched] * span + sales_day).get_indexer(day_pair * span + out_day)
    hit = position >= 0
    flags = sales["stockout"].to_numpy().copy()
    flags[touched[position[hit]]] = 1
    sales["stockout"] = flags
    missing = days[~hit]
    if missing.empty:
        return sales
    base = sales.drop_duplicates("product_id").set_index("product_id")["base_price"]
    price = missing["product_id"].map(base).to_numpy(np.float64)
    extra = pd.DataFrame(
        {
            "store_id": missing["store_id"].to_numpy(np.int64),
            "product_id": missing["product_id"].to_numpy(np.int64),
            "date": missing["date"].to_numpy().astype(sales["date"].dtype),
            "units": np.zeros(len(missing), np.int64),
            "promo": np.zeros(len(missing), np.int8),
            "base_price": price,
            "price": price,
            "stockout": np.ones(len(missing), np.int8),
        }
    )
    return pd.concat([sales, extra[sales.columns]], ignore_index=True)


def products_frame(product_ids: Sequence[int] | None = None) -> pd.DataFrame:
    qs = Product.objects.all()
    if product_ids is not None:
        qs = qs.filter(pk__in=list(product_ids))
    rows = list(
        qs.values_list(
            "pk",
            "category_id",
            "case_pack",
            "unit_cost",
            "retail_price",
            "shelf_life_days",
            "width_cm",
            "depth_cm",
            "requires_chilling",
            "name",
            "name_en",
        )
    )
    df = pd.DataFrame(
        rows,
        columns=[
            "product_id",
            "category",
            "case_pack",
            "unit_cost",
            "retail_price",
            "shelf_life_days",
            "width_cm",
            "depth_cm",
            "requires_chilling",
            "name",
            "name_en",
        ],
    )
    for col in ("unit_cost", "retail_price", "width_cm", "depth_cm"):
        df[col] = df[col].astype(float)
    df["shelf_life_days"] = df["shelf_life_days"].astype(float)
    return df


def stock_frame(store_ids: Sequence[int]) -> pd.DataFrame:
    """The carried lines (a stock row exists) with units on hand."""
    rows = StockLevel.objects.filter(store_id__in=list(store_ids)).values_list(
        "store_id", "product_id", "on_hand"
    )
    return pd.DataFrame(list(rows), columns=["store_id", "product_id", "on_hand"])


def on_order_frame(store_ids: Sequence[int]) -> pd.DataFrame:
    """Units ordered and not yet received, per store and product (open replenishment orders)."""
    # From submit on, the reserved quantity is what the warehouse promised and will ship.
    rows = (
        ReplenishmentOrderLine.objects.filter(
            order__store_id__in=list(store_ids), order__status__in=OPEN_ORDER_STATUSES
        )
        .values_list("order__store_id", "product_id")
        .annotate(on_order=Sum("quantity_reserved"))
    )
    return pd.DataFrame(list(rows), columns=["store_id", "product_id", "on_order"])


def active_store_ids() -> list[int]:
    return list(
        Store.objects.filter(status=Store.Status.ACTIVE, warehouse__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- weekly recommenders (shelf plans, assortment) ---------------------------------------------


def store_attrs_frame(store_ids: Sequence[int]) -> pd.DataFrame:
    """The store attributes the assortment model compares stores by (`store_id` + attributes)."""
    rows = Store.objects.filter(pk__in=list(store_ids)).values_list(
        "pk", "neighbourhood", "floor_area_m2", "city", "district"
    )
    df = pd.DataFrame(
        list(rows), columns=["store_id", "neighbourhood", "floor_area_m2", "city", "district"]
    )
    df["floor_area_m2"] = pd.to_numeric(df["floor_area_m2"], errors="coerce").astype(float)
    return df


def warehouse_supply_frame(store_ids: Sequence[int]) -> pd.DataFrame:
    """Per store, the active products its warehouse has on hand (what it could be supplied)."""
    from replenishment.models import WarehouseStock

    stores = dict(
        Store.objects.filter(pk__in=list(store_ids), warehouse__isnull=False).values_list(
            "pk", "warehouse_id"
        )
    )
    rows = WarehouseStock.objects.filter(
        warehouse_id__in=set(stores.values()), on_hand__gt=0, product__is_active=True
    ).values_list("warehouse_id", "product_id")
    stock = pd.DataFrame(list(rows), columns=["warehouse_id", "product_id"])
    links = pd.DataFrame(list(stores.items()), columns=["store_id", "warehouse_id"])
    return links.merge(stock, on="warehouse_id")[["store_id", "product_id"]]


def shelf_layout_frame(store_ids: Sequence[int]) -> pd.DataFrame:
    """Every recorded current layout (history included) as rows store_id, product_id, since,
    facings, level_is_eye, display: the layout in force from `since` (store-local date of the
    record + 1) until the next record of the same fixture."""
    from recommendations.models import ShelfPlan, ShelfPlanItem

    rows = ShelfPlanItem.objects.filter(
        plan__store_id__in=list(store_ids), plan__source=ShelfPlan.Source.CURRENT
    ).values_list(
        "plan__store_id",
        "plan__fixture_id",
        "product_id",
        "plan__created_at",
        "facings",
        "level",
        "plan__fixture__eye_level",
        "plan__fixture__kind",
    )
    cols = ["store_id", "fixture_id", "product_id", "since", "facings", "level", "eye", "kind"]
    df = pd.DataFrame(list(rows), columns=cols)
    if df.empty:
        return pd.DataFrame(
            columns=["store_id", "product_id", "since", "facings", "level_is_eye", "display"]
        )
    # In force from the day after the record (the record's own day mixes two layouts).
    local = pd.to_datetime(df["since"], utc=True).dt.tz_convert(settings.TIME_ZONE)
    df["since"] = local.dt.tz_localize(None).dt.normalize() + pd.Timedelta(days=1)
    df["level_is_eye"] = (df["level"] == df["eye"]).astype(np.int8)
    df["display"] = (df["kind"] == "end_cap").astype(np.int8)
    return df[["store_id", "product_id", "since", "facings", "level_is_eye", "display"]]


def sales_panel(*, store_ids: Sequence[int], end: dt.date, days: int = 400) -> Panel | None:
    """The stores' daily sales up to `end` as the forecaster's panel (None without any sale).

    The panel always ends on `end`, even when nothing sold that day, so a forecast made from it
    starts the day after: the nightly scoring, the shelf plans and the dashboard all use this.
    The frame carries the `stockout` column (days that ended out of stock, see
    :func:`sales_frame`), which the engine reads as censored days.
    """
    history = sales_frame(
        store_ids=store_ids, start=end - dt.timedelta(days=days - 1), end=end, stockouts=True
    )
    if history.empty or not (history["units"] > 0).any():
        return None
    if history["date"].max() < pd.Timestamp(end):
        pad = history.iloc[[0]].assign(date=pd.Timestamp(end), units=0, promo=0, stockout=0)
        history = pd.concat([history, pad], ignore_index=True)
    cats = products_frame(history["product_id"].unique())[["product_id", "category"]]
    return build_panel(history, freq="D", products=cats)
