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
from stores.models import DailySales, StockLevel, Store

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


def sales_frame(*, store_ids: Sequence[int] | None, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Daily sales in the engine's plain schema: store_id, product_id, date, units, price,
    base_price, promo. `price` is the average price paid; `base_price` the product's retail price."""
    table = DailySales._meta.db_table
    products = Product._meta.db_table
    where = "ds.date >= %s AND ds.date <= %s"
    params: list[object] = [start, end]
    if store_ids is not None:
        ids = [int(i) for i in store_ids] or [-1]
        where += f" AND ds.store_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    # Table names come from model metadata and values are bound parameters. `promo` is read as
    # 0/1: PostgreSQL's COPY writes booleans as "t"/"f", and any non-empty string is truthy.
    sql = (
        "SELECT ds.store_id, ds.product_id, ds.date, ds.units, ds.revenue, "  # noqa: S608
        "CASE WHEN ds.promo THEN 1 ELSE 0 END AS promo, "
        f"p.retail_price AS base_price FROM {table} ds JOIN {products} p ON p.id = ds.product_id "
        f"WHERE {where}"
    )
    df = _read_query(sql, params)
    if df.empty:
        return pd.DataFrame(
            columns=["store_id", "product_id", "date", "units", "price", "base_price", "promo"]
        )
    df["date"] = pd.to_datetime(df["date"])
    df["units"] = df["units"].astype(np.int64)
    revenue = df.pop("revenue").astype(float)
    df["base_price"] = df["base_price"].astype(float)
    df["price"] = np.where(df["units"] > 0, revenue / df["units"].clip(lower=1), df["base_price"])
    df["promo"] = df["promo"].astype(np.int8)
    return df


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
    """
    history = sales_frame(store_ids=store_ids, start=end - dt.timedelta(days=days - 1), end=end)
    if history.empty or not (history["units"] > 0).any():
        return None
    if history["date"].max() < pd.Timestamp(end):
        pad = history.iloc[[0]].assign(date=pd.Timestamp(end), units=0, promo=0)
        history = pd.concat([history, pad], ignore_index=True)
    cats = products_frame(history["product_id"].unique())[["product_id", "category"]]
    return build_panel(history, freq="D", products=cats)
