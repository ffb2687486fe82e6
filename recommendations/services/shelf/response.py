"""The space response of the weekly shelf run: estimated once per run, chain-wide, from the
stores' sales under their recorded layouts, and registered as a `shelf` model version."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd
from django.utils import timezone

from recommendations.engine.shelf import ResponseParams, SpaceResponse, estimate_space_response

from ... import data
from ...models import ModelKind, ModelVersion, TrainingRun
from .. import registry

logger = logging.getLogger(__name__)
RESPONSE_HISTORY_DAYS = 182


def response_frame(*, store_ids: Sequence[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Weekly sales of the store x product series that have a recorded layout, with the layout in
    force each day (facings, eye level, display) and the price / promotion controls."""
    layout = data.shelf_layout_frame(store_ids)
    if layout.empty:
        return pd.DataFrame()
    series = layout[["store_id", "product_id"]].drop_duplicates()
    sales = data.sales_frame(store_ids=sorted(series["store_id"].unique()), start=start, end=end)
    sales = sales.merge(series, on=["store_id", "product_id"])
    if sales.empty:
        return pd.DataFrame()
    layout = layout.astype({"store_id": "int64", "product_id": "int64"})
    layout["since"] = layout["since"].astype("datetime64[ns]")
    layout = layout.sort_values("since")
    sales = sales.astype({"store_id": "int64", "product_id": "int64"})
    sales["date"] = sales["date"].astype("datetime64[ns]")
    sales = pd.merge_asof(
        sales.sort_values("date"),
        layout,
        left_on="date",
        right_on="since",
        by=["store_id", "product_id"],
        direction="backward",
    ).dropna(subset=["facings"])
    if sales.empty:
        return pd.DataFrame()
    sales["week"] = sales["date"] - pd.to_timedelta(sales["date"].dt.day_of_week, unit="D")
    weekly = (
        sales.groupby(["store_id", "product_id", "week"], sort=False)
        .agg(
            units=("units", "sum"),
            price=("price", "mean"),
            base_price=("base_price", "mean"),
            tpr=("promo", "max"),
            facings=("facings", "mean"),
            level_is_eye=("level_is_eye", "max"),
            display=("display", "max"),
        )
        .reset_index()
        .rename(columns={"week": "date"})
    )
    cats = data.products_frame(weekly["product_id"].unique())[["product_id", "category"]]
    weekly = weekly.merge(cats, on="product_id")
    weekly["category"] = weekly["category"].astype(str)
    return weekly


def shelf_response_fit(*, run: TrainingRun, end: dt.date | None = None) -> ModelVersion:
    """Estimate the space response from the stores' sales under their recorded layouts (priors
    where layouts never varied), register it and make it the serving `shelf` version."""
    end = end or timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=RESPONSE_HISTORY_DAYS - 1)
    frame = response_frame(store_ids=data.active_store_ids(), start=start, end=end)
    response = (
        estimate_space_response(frame) if not frame.empty else SpaceResponse(ResponseParams(), ())
    )
    shrunk = [e for e in response.estimates if e.weight_on_data > 0]
    metrics = {
        "rows": len(frame),
        "series_with_layout": (
            int(frame[["store_id", "product_id"]].drop_duplicates().shape[0])
            if not frame.empty
            else 0
        ),
        "categories_from_data": sorted({e.category for e in shrunk}),
        "estimates": [asdict(e) for e in response.estimates],
        "default": asdict(response.params.default),
    }
    version = registry.model_register(
        kind=ModelKind.SHELF,
        model=response,
        parameters={"history_days": RESPONSE_HISTORY_DAYS},
        metrics=metrics,
        data_start=start,
        data_end=end,
        note=(
            f"{len(shrunk)} effects estimated from layouts, the rest at their priors"
            if shrunk
            else "no layout variation yet: literature priors"
        ),
    )
    TrainingRun.objects.filter(pk=run.pk).update(model_version=version)
    return registry.model_promote(version=version, note="space response of the weekly run")


def response_for(version: ModelVersion | None) -> ResponseParams:
    if version is None:
        return ResponseParams()
    try:
        return registry.load_model(version).params
    except (OSError, AttributeError):
        logger.exception("shelf response artifact unreadable; planning with the priors")
        return ResponseParams()
