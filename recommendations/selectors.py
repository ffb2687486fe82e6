"""Reads of the recommenders shared by the API, the admin and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst.errors import NotFound
from replenishment.delivery import promised_delivery_date
from stores.models import Fixture, Store

from .models import (
    PurchaseSettings,
    PurchaseSuggestion,
    ShelfPlan,
    ShelfPlanItem,
    SuggestionStatus,
)


def purchase_suggestions_current(*, store: Store) -> QuerySet[PurchaseSuggestion]:
    """The store's pending suggestions of the latest scoring day, most urgent first."""
    pending = PurchaseSuggestion.objects.filter(store=store, status=SuggestionStatus.PENDING)
    # One query: the latest day as a subquery (no pending row: NULL, so no row matches).
    latest = pending.order_by("-for_date").values("for_date")[:1]
    return (
        pending.filter(for_date=Subquery(latest))
        .select_related("product")
        .order_by(F("days_until_stockout").asc(nulls_last=True), "kind", "product_id")
    )


@dataclass(frozen=True)
class SuggestionSetVersion:
    """A fingerprint of a store's current pending suggestions: accepting, dismissing, a new
    scoring run or an edit of one of their products changes it."""

    for_date: dt.date
    lines: int
    last_id: int
    changed_at: dt.datetime  # latest updated_at of the suggestions and of their products
    # The owner's budget, read in the same query for the basket; not part of the version.
    budget: Decimal | None = None

    def key(self) -> str:
        return (
            f"{self.for_date.isoformat()}:{self.lines}:{self.last_id}:"
            f"{self.changed_at.timestamp():.6f}"
        )


def purchase_suggestions_version(*, store: Store) -> SuggestionSetVersion | None:
    """The version of what `purchase_suggestions_current` returns, in one aggregate query over the
    (store, for_date, status) index; None when the store has no pending suggestion."""
    pending = PurchaseSuggestion.objects.filter(store=store, status=SuggestionStatus.PENDING)
    latest = pending.order_by("-for_date").values("for_date")[:1]
    row = pending.filter(for_date=Subquery(latest)).aggregate(
        for_date=Max("for_date"),
        lines=Count("id"),
        last_id=Max("id"),
        changed=Max("updated_at"),
        product_changed=Max("product__updated_at"),
        budget=Max("store__purchase_settings__budget"),  # one settings row per store at most
    )
    if not row["lines"]:
        return None
    return SuggestionSetVersion(
        for_date=row["for_date"],
        lines=row["lines"],
        last_id=row["last_id"],
        changed_at=max(row["changed"], row["product_changed"]),
        budget=row["budget"],
    )


@dataclass(frozen=True)
class BasketTotals:
    for_date: dt.date | None
    lines: int
    total: Decimal  # needed lines only
    top_up_total: Decimal


def basket_totals(suggestions: Sequence[PurchaseSuggestion]) -> BasketTotals:
    total, top_up = Decimal("0"), Decimal("0")
    for s in suggestions:
        if s.kind == PurchaseSuggestion.Kind.ORDER:
            total += s.unit_cost * s.quantity
        else:
            top_up += s.unit_cost * s.quantity
    return BasketTotals(
        for_date=suggestions[0].for_date if suggestions else None,
        lines=len(suggestions),
        total=total,
        top_up_total=top_up,
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


class Unread:
    """The budget was not read yet (`basket_summary` reads it)."""


UNREAD = Unread()


def basket_summary(
    *,
    store: Store,
    totals: BasketTotals,
    now: dt.datetime | None = None,
    budget: Decimal | Unread | None = UNREAD,
) -> BasketSummary:
    """The basket of the current suggestions (their totals from `basket_totals`): the
    warehouse's minimum order, the owner's budget (read here unless given, as
    `purchase_suggestions_version` reads it), when an order placed now arrives."""
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
    if isinstance(budget, Unread):
        budget = (
            PurchaseSettings.objects.filter(store=store).values_list("budget", flat=True).first()
        )
    return BasketSummary(
        for_date=totals.for_date,
        lines=totals.lines,
        total=totals.total,
        top_up_total=totals.top_up_total,
        min_order_value=mov,
        meets_minimum=totals.total >= mov,
        shortfall=max(mov - totals.total, Decimal("0")),
        budget=budget,
        promised_delivery_date=promised,
    )


# --- shelf plans ----------------------------------------------------------------------------


def shelf_plans_recommended(*, store: Store, kind: str | None = None) -> QuerySet[ShelfPlan]:
    """The store's current recommended plans, one per fixture, with their item counts."""
    plans = (
        ShelfPlan.objects.filter(store=store, source=ShelfPlan.Source.RECOMMENDED, is_current=True)
        .select_related("fixture")
        .annotate(items_count=Count("items"))
        .order_by("fixture__name", "fixture_id")
    )
    return plans.filter(fixture__kind=kind) if kind else plans


def shelf_plan_recommended_get(*, store: Store, fixture_id: Any) -> ShelfPlan:
    """The fixture's current recommended plan; NotFound when there is none (or the fixture is
    another store's)."""
    plan = (
        ShelfPlan.objects.filter(
            store=store,
            fixture_id=fixture_id,
            source=ShelfPlan.Source.RECOMMENDED,
            is_current=True,
        )
        .select_related("fixture")
        .first()
    )
    if plan is None:
        raise NotFound(_("No shelf plan for this fixture yet."), code="not_found")
    return plan


def shelf_plan_current(*, fixture_id: int) -> ShelfPlan | None:
    """The fixture's current layout as last recorded, if any."""
    return ShelfPlan.objects.filter(
        fixture_id=fixture_id, source=ShelfPlan.Source.CURRENT, is_current=True
    ).first()


def shelf_layout_get(*, fixture: Fixture) -> ShelfPlan:
    plan = shelf_plan_current(fixture_id=fixture.pk)
    if plan is None:
        raise NotFound(_("No layout recorded for this fixture yet."))
    return plan


def shelf_plan_items(plan: ShelfPlan | None) -> list[ShelfPlanItem]:
    """A plan's items with their products, level by level, left to right."""
    if plan is None:
        return []
    return list(plan.items.select_related("product").order_by("level", "position"))


def shelf_current_layout_items(*, store_ids: Sequence[int]) -> QuerySet[ShelfPlanItem]:
    """The items of the stores' current layouts (every fixture), with plan and product."""
    return (
        ShelfPlanItem.objects.filter(
            plan__store_id__in=list(store_ids),
            plan__source=ShelfPlan.Source.CURRENT,
            plan__is_current=True,
        )
        .select_related("plan", "product")
        .order_by("plan_id", "level", "position")
    )


def products_in_bulk(product_ids: Iterable[int]) -> dict[int, Product]:
    return Product.objects.in_bulk(list(product_ids))


def product_category_labels(product_ids: Iterable[int], *, english: bool) -> dict[str, str]:
    """Category key as the shelf plans use it (`str(category_id)`) -> the name shown (English
    when `english` and the category has one)."""
    rows = Product.objects.filter(pk__in=list(product_ids)).values_list(
        "category_id", "category__name", "category__name_en"
    )
    return {str(cid): (name_en if english and name_en else name) for cid, name, name_en in rows}
