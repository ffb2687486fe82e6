"""Reads of the recommenders shared by the API, the admin and tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from replenishment.delivery import promised_delivery_date
from stores.models import Store

from .models import PurchaseSettings, PurchaseSuggestion, SuggestionStatus


def purchase_suggestions_current(*, store: Store) -> QuerySet[PurchaseSuggestion]:
    """The store's pending suggestions of the latest scoring day, most urgent first."""
    pending = PurchaseSuggestion.objects.filter(store=store, status=SuggestionStatus.PENDING)
    latest = pending.order_by("-for_date").values_list("for_date", flat=True).first()
    if latest is None:
        return pending.none()
    return (
        pending.filter(for_date=latest)
        .select_related("product")
        .order_by(F("days_until_stockout").asc(nulls_last=True), "kind", "product_id")
    )


@dataclass(frozen=True)
class BasketSummary:
    for_date: dt.date | None
    lines: int
    total: Decimal  # needed lines only
    top_up_total: Decimal
    min_order_value: Decimal
    meets_minimum: bool
    shortfall: Decimal  # how much the needed lines miss the minimum by
    budget: Decimal | None
    promised_delivery_date: dt.date | None


def basket_summary(
    *, store: Store, suggestions: list[PurchaseSuggestion], now: dt.datetime | None = None
) -> BasketSummary:
    needed = [s for s in suggestions if s.kind == PurchaseSuggestion.Kind.ORDER]
    total = sum((s.unit_cost * s.quantity for s in needed), Decimal("0"))
    top_up = sum((s.unit_cost * s.quantity for s in suggestions if s not in needed), Decimal("0"))
    wh = store.warehouse
    mov = wh.min_order_value if wh else Decimal("0")
    promised = None
    if wh is not None:
        promised = promised_delivery_date(
            now or timezone.now(),
            store.timezone,
            wh.cutoff_time,
            wh.lead_time_days,
            wh.delivery_weekdays,
        )
    budget = PurchaseSettings.objects.filter(store=store).values_list("budget", flat=True).first()
    return BasketSummary(
        for_date=suggestions[0].for_date if suggestions else None,
        lines=len(suggestions),
        total=total,
        top_up_total=top_up,
        min_order_value=mov,
        meets_minimum=total >= mov,
        shortfall=max(mov - total, Decimal("0")),
        budget=budget,
        promised_delivery_date=promised,
    )
