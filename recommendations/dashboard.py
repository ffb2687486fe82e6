"""Reads behind the admin's store dashboard and territory overview.

The forecast shown is the active forecast model's, run on the store's own history exactly as the
pipeline runs it (`data.sales_frame` -> `build_panel` -> `predict`), summed over the store's
products. The P90 of a sum is not the sum of P90s: the per-series negative binomials are summed
by moments (mean and variance add for independent series) and the total's P90 read from the
moment-matched negative binomial. Results are cached per store, model version and day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from recommendations.engine.forecast import predict
from recommendations.engine.forecast.uncertainty import nb_quantile
from recommendations.engine.shelf.svg import render_planogram
from recommendations.engine.shelf.types import FixturePlan, FixtureSpec, Placement
from replenishment.models import ReplenishmentOrder
from stores.models import DailySales, StockLevel, Store

from . import data
from .models import (
    ModelKind,
    PurchaseSuggestion,
    ShelfPlan,
    SuggestionFeedback,
)
from .services import registry

logger = logging.getLogger(__name__)
ACCEPTED = (SuggestionFeedback.Action.ACCEPTED, SuggestionFeedback.Action.EDITED)
PURCHASE = SuggestionFeedback.Source.PURCHASE
ASSORTMENT = SuggestionFeedback.Source.ASSORTMENT


def _feedback_counts() -> dict[str, Count]:
    """Decisions and acceptances per source, as aggregates over `SuggestionFeedback`. A purchase
    suggestion (order this much) and an assortment suggestion (carry this product) are different
    questions: their rates are never mixed."""
    accepted = Q(action__in=ACCEPTED)
    return {
        "purchase_total": Count("pk", filter=Q(source=PURCHASE)),
        "purchase_accepted": Count("pk", filter=Q(source=PURCHASE) & accepted),
        "assortment_total": Count("pk", filter=Q(source=ASSORTMENT)),
        "assortment_accepted": Count("pk", filter=Q(source=ASSORTMENT) & accepted),
    }


def _rate(counts: dict[str, Any] | None, source: str) -> float | None:
    if not counts or not counts[f"{source}_total"]:
        return None
    return float(counts[f"{source}_accepted"] / counts[f"{source}_total"])


@dataclass(frozen=True)
class DailyPoint:
    date: dt.date
    value: float


@dataclass(frozen=True)
class ForecastBand:
    dates: list[dt.date]
    mean: list[float]
    p90: list[float]
    version: int
    method: str


@dataclass
class StoreDashboard:
    store: Store
    today: dt.date
    history: list[DailyPoint]
    forecast: ForecastBand | None
    forecast_note: str | Promise
    stockouts: list[StockLevel]
    stockout_count: int
    carried: int
    suggestions: list[PurchaseSuggestion]
    suggestions_date: dt.date | None
    acceptance: float | None  # purchase suggestions only
    feedback_count: int
    assortment_acceptance: float | None
    assortment_feedback_count: int
    orders: list[ReplenishmentOrder]
    plans: list[tuple[ShelfPlan, str]] = field(default_factory=list)


def sales_history(store: Store, *, end: dt.date, days: int) -> list[DailyPoint]:
    """Units sold per day (all products), zero-filled."""
    start = end - dt.timedelta(days=days - 1)
    rows = dict(
        DailySales.objects.filter(store=store, date__gte=start, date__lte=end)
        .values_list("date")
        .annotate(units=Sum("units"))
        .values_list("date", "units")
    )
    return [
        DailyPoint(d, float(rows.get(d, 0) or 0))
        for d in (start + dt.timedelta(days=i) for i in range(days))
    ]


def _sum_of_nb(mean: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and P90 per step of the sum over series of independent NB(mean, k) ([n, h] in)."""
    mu = mean.sum(axis=0)
    var = (mean + mean**2 / np.maximum(k, 1e-9)).sum(axis=0)
    excess = np.maximum(var - mu, 1e-9)
    k_total = np.where(mu > 0, mu**2 / excess, 1.0)
    return mu, nb_quantile(mu, k_total, 0.9)


def store_forecast(
    store: Store, *, end: dt.date, history_days: int = 400
) -> tuple[ForecastBand | None, str | Promise]:
    """(band, note): the active model's forecast of the store's daily units after `end`."""
    version = registry.active_model(ModelKind.FORECAST)
    if version is None:
        return None, gettext_lazy("no active forecast model yet")
    key = f"lst:dash:forecast:{store.pk}:{version.pk}:{end.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        model = registry.load_model(version)
        panel = data.sales_panel(store_ids=[store.pk], end=end, days=history_days)
        if panel is None:
            return None, gettext_lazy("no sales history for this store")
        result = predict(model, panel)
    except Exception as exc:  # the dashboard must render even when the model cannot serve
        logger.exception("dashboard forecast failed for store %s", store.pk)
        return None, format_lazy(gettext_lazy("forecast unavailable: {}"), exc)
    k = np.stack(
        [result.calibration.step[h].k_for(result.mean[:, h]) for h in range(result.horizon)],
        axis=1,
    )
    mu, p90 = _sum_of_nb(result.mean, k)
    band = ForecastBand(
        dates=[d.date() for d in result.dates],
        mean=[float(x) for x in mu],
        p90=[float(x) for x in p90],
        version=version.version,
        method=result.method,
    )
    out = (band, format_lazy(gettext_lazy("model v{} ({})"), version.version, result.method))
    cache.set(key, out, 3600)
    return out


def _plan_svg(plan: ShelfPlan) -> str:
    fixture = plan.fixture
    spec = FixtureSpec(
        fixture_id=fixture.pk,
        width_cm=float(fixture.width_cm),
        levels=fixture.levels,
        eye_level=min(fixture.eye_level, fixture.levels),
        kind=fixture.kind,
        name=fixture.name,
    )
    x_by_level: dict[int, float] = {}
    placements = []
    names: dict[int | str, str] = {}
    skus: dict[int | str, str] = {}
    categories: dict[str, str] = {}  # colour key (the id) -> name shown
    for item in plan.items.all():
        width = float(item.product.width_cm) * item.facings
        x = x_by_level.get(item.level, 0.0)
        x_by_level[item.level] = x + width
        names[item.product_id] = item.product.name
        skus[item.product_id] = item.product.sku
        categories[str(item.product.category_id)] = item.product.category.name
        placements.append(
            Placement(
                product_id=item.product_id,
                level=item.level,
                position=item.position,
                facings=item.facings,
                x_cm=x,
                width_cm=width,
                category=str(item.product.category_id),
            )
        )
    return render_planogram(
        FixturePlan(fixture=spec, placements=tuple(placements)),
        names,
        skus=skus,
        category_names=categories,
    )


def store_dashboard(store: Store, *, today: dt.date, days: int = 56) -> StoreDashboard:
    end = today - dt.timedelta(days=1)
    history = sales_history(store, end=end, days=days)
    band, note = store_forecast(store, end=end)
    out_q = Q(on_hand=0) | Q(needs_count=True)
    levels = StockLevel.objects.filter(store=store)
    stockouts = list(levels.filter(out_q).select_related("product").order_by("product__name")[:20])
    counts = levels.aggregate(total=Count("pk"), out=Count("pk", filter=out_q))
    latest = (
        PurchaseSuggestion.objects.filter(store=store)
        .order_by("-for_date")
        .values_list("for_date", flat=True)
        .first()
    )
    suggestions = (
        list(
            PurchaseSuggestion.objects.filter(store=store, for_date=latest)
            .select_related("product")
            .order_by("days_until_stockout", "product__name")[:20]
        )
        if latest
        else []
    )
    feedback = SuggestionFeedback.objects.filter(
        store=store, created_at__date__gte=today - dt.timedelta(days=28)
    ).aggregate(**_feedback_counts())
    orders = list(ReplenishmentOrder.objects.filter(store=store).select_related("warehouse")[:10])
    plans = [
        (plan, _plan_svg(plan))
        for plan in ShelfPlan.objects.filter(store=store, is_current=True)
        .select_related("fixture")
        .prefetch_related("items__product__category")
    ]
    return StoreDashboard(
        store=store,
        today=today,
        history=history,
        forecast=band,
        forecast_note=note,
        stockouts=stockouts,
        stockout_count=counts["out"],
        carried=counts["total"],
        suggestions=suggestions,
        suggestions_date=latest,
        acceptance=_rate(feedback, PURCHASE),
        feedback_count=feedback["purchase_total"],
        assortment_acceptance=_rate(feedback, ASSORTMENT),
        assortment_feedback_count=feedback["assortment_total"],
        orders=orders,
        plans=plans,
    )


@dataclass(frozen=True)
class OverviewRow:
    store_id: int
    code: str
    name: str
    territory: str
    units_recent: int
    units_prior: int
    trend: float | None  # recent / prior - 1
    stockout_rate: float | None
    acceptance: float | None  # of purchase suggestions


OVERVIEW_SORTS = ("trend", "stockout", "acceptance", "sales")


def territory_overview(
    stores: QuerySet[Store], *, today: dt.date, window: int = 28, sort: str = "trend"
) -> list[OverviewRow]:
    """One row per store of `stores` (already scoped): sales trend (last `window` days against
    the `window` before), stock-out rate and purchase-suggestion acceptance. Four queries in
    all."""
    mid = today - dt.timedelta(days=window)
    start = mid - dt.timedelta(days=window)
    ids = stores.values("pk")
    sales = {
        r["store_id"]: r
        for r in DailySales.objects.filter(store__in=ids, date__gte=start, date__lt=today)
        .values("store_id")
        .annotate(
            recent=Sum("units", filter=Q(date__gte=mid)),
            prior=Sum("units", filter=Q(date__lt=mid)),
        )
    }
    stock = {
        r["store_id"]: r
        for r in StockLevel.objects.filter(store__in=ids)
        .values("store_id")
        .annotate(total=Count("pk"), out=Count("pk", filter=Q(on_hand=0) | Q(needs_count=True)))
    }
    fb = {
        r["store_id"]: r
        for r in SuggestionFeedback.objects.filter(
            store__in=ids, created_at__date__gte=today - dt.timedelta(days=window)
        )
        .values("store_id")
        .annotate(**_feedback_counts())
    }
    rows = []
    for s in stores.values("pk", "code", "name", "territory__name"):
        sr = sales.get(s["pk"], {})
        recent, prior = int(sr.get("recent") or 0), int(sr.get("prior") or 0)
        st = stock.get(s["pk"])
        f = fb.get(s["pk"])
        rows.append(
            OverviewRow(
                store_id=s["pk"],
                code=s["code"],
                name=s["name"],
                territory=s["territory__name"] or "",
                units_recent=recent,
                units_prior=prior,
                trend=(recent / prior - 1) if prior else None,
                stockout_rate=(st["out"] / st["total"]) if st and st["total"] else None,
                acceptance=_rate(f, PURCHASE),
            )
        )
    keys: dict[str, Any] = {
        # worst first: falling sales, many stock-outs, low acceptance; unknowns last
        "trend": lambda r: (r.trend is None, r.trend if r.trend is not None else 0),
        "stockout": lambda r: (r.stockout_rate is None, -(r.stockout_rate or 0)),
        "acceptance": lambda r: (r.acceptance is None, r.acceptance or 0),
        "sales": lambda r: -r.units_recent,
    }
    rows.sort(key=keys.get(sort, keys["trend"]))
    return rows
