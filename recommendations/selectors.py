"""Reads of the recommenders shared by the API, the admin and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst.errors import NotFound
from lst.prepared_queries import PreparedQuery
from replenishment.delivery import promised_delivery_date
from stores.models import Fixture, StockLevel, Store, StoreMembership
from stores.selectors import MembershipQuery, membership_get

from .models import (
    PurchaseSettings,
    PurchaseSuggestion,
    ShelfPlan,
    ShelfPlanItem,
    SuggestionStatus,
)


def purchase_suggestions_current(*, store: Store) -> QuerySet[PurchaseSuggestion]:
    """The store's pending suggestions of the latest scoring day, most urgent first."""
    return _current(store_id=store.pk).select_related("product")


def _current(*, store_id: int) -> QuerySet[PurchaseSuggestion]:
    pending = PurchaseSuggestion.objects.filter(store_id=store_id, status=SuggestionStatus.PENDING)
    # One query: the latest day as a subquery (no pending row: NULL, so no row matches).
    latest = pending.order_by("-for_date").values("for_date")[:1]
    return pending.filter(for_date=Subquery(latest)).order_by(
        F("days_until_stockout").asc(nulls_last=True), "kind", "product_id"
    )


#: What the list endpoint renders of a suggestion and its product (`purchase_line_rows`).
LINE_COLUMNS = (
    "id",
    "for_date",
    "kind",
    "quantity",
    "case_pack",
    "unit_cost",
    "on_hand",
    "on_order",
    "forecast_daily",
    "days_until_stockout",
    "next_delivery_date",
    "status",
    "reason",
    "product_id",
    "product__sku",
    "product__barcode",
    "product__name",
    "product__name_en",
    "product__case_pack",
    "on_hand_now",
)


def purchase_line_rows(*, store: Store) -> list[dict[str, Any]]:
    """`purchase_suggestions_current` as plain rows of `LINE_COLUMNS` (the reason typed, as the
    model gives it): the list renders every line of a basket, and building model instances for
    them cost more than reading them."""
    return _line_rows_query(store_id=store.pk)


def _line_rows(*, store_id: int) -> QuerySet[PurchaseSuggestion, dict[str, Any]]:
    return _current(store_id=store_id).annotate(on_hand_now=_on_hand_now()).values(*LINE_COLUMNS)


def _on_hand_now() -> Subquery:
    """The product's stock on hand in the store now (till sales since the suggestion move it);
    NULL when the store keeps no stock level for it."""
    level = StockLevel.objects.filter(
        store_id=OuterRef("store_id"), product_id=OuterRef("product_id")
    ).values("on_hand")[:1]
    return Subquery(level, output_field=IntegerField())


def on_hand_now(*, store_id: int, product_id: int) -> int | None:
    level = StockLevel.objects.filter(store_id=store_id, product_id=product_id).first()
    return level.on_hand if level is not None else None


_line_rows_query = PreparedQuery(_line_rows, "store_id")


@dataclass(frozen=True)
class PurchaseListHead:
    """What the list of purchase suggestions reads before its lines, in the tenant check's query
    (`purchase_list_head`)."""

    store: Store
    # A fingerprint of the store's current pending suggestions (scoring day, number of lines,
    # newest id, latest `updated_at` of the lines and of their products): accepting, dismissing,
    # a new scoring run or an edit of one of their products changes it. None: nothing pending.
    version: str | None
    budget: Decimal | None  # the owner's budget (PurchaseSettings), if any


def purchase_list_head(*, user: Any, store_id: Any) -> PurchaseListHead:
    """The store as `store_get_for_user` gives it (NotFound for a missing or foreign store),
    with the version of its pending suggestions and the owner's budget read in the same query."""
    membership = membership_get(user=user, store_id=store_id, query=_list_head_query)
    return PurchaseListHead(
        store=membership.store,
        version=membership.purchase_version,  # type: ignore[attr-defined]
        budget=membership.purchase_budget,  # type: ignore[attr-defined]
    )


def _with_list_head(memberships: QuerySet[StoreMembership]) -> QuerySet[StoreMembership]:
    status = SuggestionStatus.PENDING
    pending = PurchaseSuggestion.objects.filter(store_id=OuterRef("store_id"), status=status)
    latest = (
        PurchaseSuggestion.objects.filter(store_id=OuterRef(OuterRef("store_id")), status=status)
        .order_by("-for_date")
        .values("for_date")[:1]
    )

    def text(expression: Any) -> Cast:
        return Cast(expression, CharField())

    # Over the (store, for_date, status) index: one row, or none when nothing is pending.
    version = (
        pending.filter(for_date=Subquery(latest))
        .order_by()
        .values("store_id")
        .annotate(
            key=Concat(
                text(Max("for_date")),
                Value(":"),
                text(Count("id")),
                Value(":"),
                text(Max("id")),
                Value(":"),
                text(Max("updated_at")),
                Value(":"),
                text(Max("product__updated_at")),
                output_field=CharField(),
            )
        )
        .values("key")
    )
    # The store's latest stock change (a till sale, a count, a delivery): the lines show the
    # stock on hand now, so a change of it is a new version too.
    stock = (
        StockLevel.objects.filter(store_id=OuterRef("store_id"))
        .order_by()
        .values("store_id")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    version = version.annotate(
        key_stock=Concat(
            F("key"),
            Value(":"),
            text(Subquery(stock)),
            output_field=CharField(),
        )
    ).values("key_stock")
    budget = PurchaseSettings.objects.filter(store_id=OuterRef("store_id")).values("budget")[:1]
    return memberships.annotate(
        purchase_version=Subquery(version, output_field=CharField()),
        purchase_budget=Subquery(budget),
    )


_list_head_query = MembershipQuery(_with_list_head)


@dataclass(frozen=True)
class BasketTotals:
    for_date: dt.date | None
    lines: int
    total: Decimal  # needed lines only
    top_up_total: Decimal


def basket_totals(rows: Sequence[Mapping[str, Any]]) -> BasketTotals:
    """Totals of the current suggestions, given as `purchase_line_rows`."""
    total, top_up = Decimal("0"), Decimal("0")
    for row in rows:
        if row["kind"] == PurchaseSuggestion.Kind.ORDER:
            total += row["unit_cost"] * row["quantity"]
        else:
            top_up += row["unit_cost"] * row["quantity"]
    return BasketTotals(
        for_date=rows[0]["for_date"] if rows else None,
        lines=len(rows),
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
