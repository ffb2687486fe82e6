"""Scoring: forecast -> restocking policy -> basket rules -> suggestion rows, for some stores.

Everything for one day and one store is replaced at once (pending rows only: what the owner
already accepted or dismissed today stays as it is and is not suggested again).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import transaction

from recommendations.engine.forecast import ForecastModel, predict
from recommendations.engine.restock.basket import budget_select, minimum_order_topups
from recommendations.engine.restock.policy import PolicyInput, ServiceLevels, order_up_to
from replenishment.delivery import promised_delivery_date
from stores.models import Fixture, Store

from .. import data
from ..models import PurchaseSettings, PurchaseSuggestion, SuggestionStatus, TrainingRun
from ..reasons import PurchaseReason

QUANTILE_LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995)
DEFAULT_FACINGS = 2
DEFAULT_SHELF_DEPTH_CM = 40.0
MEAN_DAYS = 7  # the daily rate shown to the owner is the mean of the first week's forecast
BACKROOM_CASES = 1  # a backroom holds about one case of each line on top of the shelf


def delivery_schedule(store: Store, now: dt.datetime, horizon: int) -> tuple[dt.date, int]:
    """(date an order placed now arrives, protection interval in days).

    The protection interval runs from today to the arrival of the order after this one: the owner
    can order again tomorrow, so it ends at the first later arrival date. Capped at `horizon`.
    """
    wh = store.warehouse
    assert wh is not None
    args = (store.timezone, wh.cutoff_time, wh.lead_time_days, wh.delivery_weekdays)
    first = promised_delivery_date(now, *args)
    following = first
    for k in range(1, 15):
        following = promised_delivery_date(now + dt.timedelta(days=k), *args)
        if following > first:
            break
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    return first, int(min(max((following - today).days, 1), horizon))


def _capacity(
    store_id: int, products: pd.DataFrame, depth_by_store: Mapping[int, float]
) -> np.ndarray:
    depth = depth_by_store.get(store_id, DEFAULT_SHELF_DEPTH_CM)
    per_facing = np.maximum(np.floor(depth / products["depth_cm"].clip(lower=1.0)), 1)
    return (DEFAULT_FACINGS * per_facing + BACKROOM_CASES * products["case_pack"]).to_numpy()


def score_stores(
    *, model: ForecastModel, store_ids: list[int], now: dt.datetime, run: TrainingRun | None = None
) -> int:
    """Write today's suggestions for these stores; returns the number of rows written."""
    stores = list(
        Store.objects.filter(pk__in=store_ids, warehouse__isnull=False)
        .select_related("warehouse")
        .order_by("pk")
    )
    if not stores:
        return 0
    end = max(now.astimezone(ZoneInfo(s.timezone)).date() for s in stores) - dt.timedelta(days=1)
    horizon = model.params.horizon
    schedules = {s.pk: delivery_schedule(s, now, horizon) for s in stores}
    stock = data.stock_frame([s.pk for s in stores])
    products = data.products_frame(stock["product_id"].unique()).set_index("product_id")
    panel = data.sales_panel(store_ids=[s.pk for s in stores], end=end)
    # Forecast only the days some store of the chunk needs: its protection interval, and the
    # first week for the daily rate shown to the owner.
    needed = min(horizon, max([MEAN_DAYS, *(days for _, days in schedules.values())]))
    result = None if panel is None else predict(model, panel, needed)
    on_order = {
        (int(store_id), int(product_id)): int(units)
        for store_id, product_id, units in data.on_order_frame([s.pk for s in stores])[
            ["store_id", "product_id", "on_order"]
        ].itertuples(index=False)
    }
    depth = dict(
        Fixture.objects.filter(store__in=stores, kind=Fixture.Kind.SHELF).values_list(
            "store_id", "depth_cm"
        )
    )
    budgets = dict(
        PurchaseSettings.objects.filter(store__in=stores, budget__isnull=False).values_list(
            "store_id", "budget"
        )
    )
    written = 0
    with transaction.atomic():
        for store in stores:
            rows = _store_rows(
                store,
                now,
                schedules[store.pk],
                result,
                stock,
                products,
                on_order,
                depth,
                budgets.get(store.pk),
                run,
            )
            written += _replace(store, rows)
    return written


def _store_rows(
    store: Store,
    now: dt.datetime,
    schedule: tuple[dt.date, int],
    result: Any,
    stock: pd.DataFrame,
    products: pd.DataFrame,
    on_order: dict[tuple[int, int], int],
    depth: Mapping[int, float],
    budget: Decimal | None,
    run: TrainingRun | None,
) -> list[PurchaseSuggestion]:
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    arrival, protection = schedule
    if result is None:
        return []
    mask = result.store_ids == store.pk
    if not mask.any():
        return []
    pids = result.product_ids[mask]
    carried = stock[stock["store_id"] == store.pk].set_index("product_id")["on_hand"]
    keep = np.isin(pids, carried.index.to_numpy())
    pids = pids[keep]
    if not len(pids):
        return []
    rows_idx = np.flatnonzero(mask)[keep]
    mean = result.mean[rows_idx]
    quant = result.total_quantiles(QUANTILE_LEVELS, periods=protection, rows=rows_idx)
    mean_daily = mean[:, : min(MEAN_DAYS, mean.shape[1])].mean(axis=1)
    prod = products.loc[pids]
    on_hand = carried.loc[pids].to_numpy().astype(np.int64)
    oo = np.array([on_order.get((store.pk, int(p)), 0) for p in pids], dtype=np.int64)
    levels = np.array(QUANTILE_LEVELS)
    inp = PolicyInput(
        mean_daily=mean_daily,
        quantile_levels=levels,
        demand_quantiles=quant,
        on_hand=on_hand,
        on_order=oo,
        case_pack=prod["case_pack"].to_numpy().astype(np.int64),
        capacity=_capacity(store.pk, prod, depth),
        shelf_life_days=prod["shelf_life_days"].to_numpy().astype(float),
    )
    service = ServiceLevels().for_lines(mean_daily)
    policy = order_up_to(inp, service)
    qty = policy.quantity.copy()
    unit_cost = prod["unit_cost"].to_numpy()
    position = on_hand + oo
    if budget is not None:
        margin = prod["retail_price"].to_numpy() - unit_cost
        qty = budget_select(
            quantity=qty,
            position=position,
            case_pack=inp.case_pack,
            unit_cost=unit_cost,
            unit_margin=margin,
            levels=levels,
            quantiles=quant,
            budget=float(budget),
        ).quantity
    extra = np.zeros_like(qty)
    # Top-ups only when something is needed today and no budget caps the spending.
    if budget is None and qty.sum() > 0 and store.warehouse is not None:
        room = np.maximum(inp.capacity - position - qty, 0)
        life = inp.shelf_life_days
        life_room = np.where(
            np.isnan(life),
            room,
            np.maximum(np.floor(mean_daily * np.nan_to_num(life)) - position - qty, 0),
        )
        extra = minimum_order_topups(
            quantity=qty,
            position=position,
            case_pack=inp.case_pack,
            unit_cost=unit_cost,
            room=np.minimum(room, life_room).astype(np.int64),
            levels=levels,
            quantiles=quant,
            min_order_value=float(store.warehouse.min_order_value),
        ).extra
    out: list[PurchaseSuggestion] = []
    for i, pid in enumerate(pids):
        for kind, units in (
            (PurchaseSuggestion.Kind.ORDER, int(qty[i])),
            (PurchaseSuggestion.Kind.TOP_UP, int(extra[i])),
        ):
            if units <= 0:
                continue
            days_left = policy.days_until_stockout[i]
            runs_out = (
                today + dt.timedelta(days=math.floor(days_left)) if np.isfinite(days_left) else None
            )
            reason = PurchaseReason(
                weekly_units=round(float(mean_daily[i]) * 7, 1),
                on_hand=int(on_hand[i]),
                on_order=int(oo[i]),
                next_delivery=arrival,
                runs_out_on=runs_out,
                protection_days=protection,
                order_up_to=int(policy.order_up_to[i]),
                service_level=float(service[i]),
                limited_by=policy.limited_by[i] if kind == PurchaseSuggestion.Kind.ORDER else "",
                budget_trimmed=bool(budget is not None and qty[i] < policy.quantity[i]),
            )
            cost = Decimal(str(unit_cost[i])).quantize(Decimal("0.01"))
            out.append(
                PurchaseSuggestion(
                    store=store,
                    product_id=int(pid),
                    run=run,
                    for_date=today,
                    kind=kind,
                    quantity=units,
                    case_pack=int(inp.case_pack[i]),
                    unit_cost=cost,
                    service_level=Decimal(str(service[i])).quantize(Decimal("0.001")),
                    next_delivery_date=arrival,
                    order_up_to=int(policy.order_up_to[i]),
                    on_hand=int(on_hand[i]),
                    on_order=int(oo[i]),
                    forecast_daily=Decimal(str(round(float(mean_daily[i]), 3))),
                    days_until_stockout=(
                        Decimal(str(round(min(float(days_left), 9999.0), 1)))
                        if np.isfinite(days_left)
                        else None
                    ),
                    expected_value=cost * units,
                    reason=reason,
                )
            )
    return out


def _replace(store: Store, rows: list[PurchaseSuggestion]) -> int:
    """Today's pending suggestions of the store become `rows` (answered ones are kept)."""
    if not rows:
        PurchaseSuggestion.objects.filter(store=store, status=SuggestionStatus.PENDING).delete()
        return 0
    for_date = rows[0].for_date
    answered = set(
        PurchaseSuggestion.objects.filter(store=store, for_date=for_date)
        .exclude(status=SuggestionStatus.PENDING)
        .values_list("product_id", "kind")
    )
    PurchaseSuggestion.objects.filter(store=store, status=SuggestionStatus.PENDING).delete()
    fresh = [r for r in rows if (r.product_id, r.kind) not in answered]
    PurchaseSuggestion.objects.bulk_create(fresh)
    return len(fresh)
