"""Expected daily units of each store x product for the shelf planner."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.utils import timezone

from ... import data
from ...models import ModelKind
from .. import registry

logger = logging.getLogger(__name__)
FORECAST_DAYS = 7  # daily demand = mean of the forecast over the next week
FALLBACK_DAYS = 28  # ...or the average of the last four weeks of sales


def fallback_demand(store_ids: Sequence[int], end: dt.date) -> dict[tuple[int, int], float]:
    sales = data.sales_frame(
        store_ids=store_ids, start=end - dt.timedelta(days=FALLBACK_DAYS - 1), end=end
    )
    if sales.empty:
        return {}
    totals = sales.groupby(["store_id", "product_id"])["units"].sum() / FALLBACK_DAYS
    return {(int(s), int(p)): float(v) for (s, p), v in totals.items()}


def _forecast_demand(store_ids: Sequence[int], end: dt.date) -> dict[tuple[int, int], float]:
    """Mean daily units over the next week from the active forecast model ({} without one)."""
    from recommendations.engine.forecast import predict

    version = registry.active_model(ModelKind.FORECAST)
    if version is None:
        return {}
    try:
        model = registry.load_model(version)
        panel = data.sales_panel(store_ids=store_ids, end=end)
        if panel is None:
            return {}
        days = min(FORECAST_DAYS, model.params.horizon)
        result = predict(model, panel, days)
    except Exception:
        logger.exception("forecast for shelf plans failed; using recent sales averages")
        return {}
    mean = result.mean[:, :days].mean(axis=1)
    return {
        (int(s), int(p)): float(m)
        for s, p, m in zip(result.store_ids, result.product_ids, mean, strict=True)
    }


def daily_demand(store_ids: Sequence[int], now: dt.datetime) -> dict[tuple[int, int], float]:
    """(store, product) -> expected units a day: the forecast where the model covers the series,
    else the 28-day sales average."""
    end = timezone.localdate(now) - dt.timedelta(days=1)
    demand = fallback_demand(store_ids, end)
    demand.update(_forecast_demand(store_ids, end))
    return demand
