"""Reads of replenishment orders, scoped to the door they come through.

Owners reach orders through their store (`stores.selectors.store_get_for_user` first, then
`order_get_for_store`); a warehouse system through its `WarehouseAccount`. Either way an order
outside the scope is NotFound, exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict, NotFound, PermissionDenied
from stores.models import Store

from .delivery import promised_delivery_date
from .models import (
    OrderEvent,
    ReplenishmentOrder,
    ReplenishmentOrderLine,
    Warehouse,
    WarehouseAccount,
)

Status = ReplenishmentOrder.Status


def _list_qs() -> QuerySet[ReplenishmentOrder]:
    return ReplenishmentOrder.objects.select_related("store", "warehouse").annotate(
        line_count=Count("lines")
    )


def _detail_qs() -> QuerySet[ReplenishmentOrder]:
    return ReplenishmentOrder.objects.select_related("store", "warehouse").prefetch_related(
        Prefetch(
            "lines",
            queryset=ReplenishmentOrderLine.objects.select_related("product").order_by("id"),
        ),
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")),
    )


def _parse_id(order_id: Any) -> int:
    try:
        return int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("Order not found.")) from None


def orders_for_store(*, store: Store, status: str | None = None) -> QuerySet[ReplenishmentOrder]:
    qs = _list_qs().filter(store=store)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def order_get_for_store(*, store: Store, order_id: Any) -> ReplenishmentOrder:
    order = _detail_qs().filter(store=store, pk=_parse_id(order_id)).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def warehouse_for_user(*, user: Any) -> Warehouse:
    """The warehouse whose system this user is; 403 `warehouse_only` for everyone else."""
    account = (
        WarehouseAccount.objects.select_related("warehouse").filter(user_id=user.pk).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if account is None:
        raise PermissionDenied(
            _("Only a warehouse service account can do this."), code="warehouse_only"
        )
    return account.warehouse


def orders_for_warehouse(
    *, warehouse: Warehouse, status: str | None = None
) -> QuerySet[ReplenishmentOrder]:
    """Orders a warehouse works on: everything but drafts, which are the store's own business."""
    qs = _list_qs().filter(warehouse=warehouse).exclude(status=Status.DRAFT)
    if status:
        qs = qs.filter(status=status)
    # Oldest first: the warehouse works the queue in the order it came in.
    return qs.order_by("submitted_at", "id")


def order_get_for_warehouse(*, warehouse: Warehouse, order_id: Any) -> ReplenishmentOrder:
    order = (
        _detail_qs()
        .filter(warehouse=warehouse, pk=_parse_id(order_id))
        .exclude(status=Status.DRAFT)
        .first()
    )
    if order is None:
        raise NotFound(_("Order not found."))
    return order


@dataclass(frozen=True)
class QuoteLine:
    line: ReplenishmentOrderLine
    unit_cost: Decimal | None  # None: the warehouse does not stock the product (any more)
    available: int

    @property
    def line_total(self) -> Decimal:
        return self.line.quantity * (self.unit_cost or Decimal("0"))

    @property
    def shortfall(self) -> int:
        return max(self.line.quantity - self.available, 0)


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    total: Decimal
    min_order_value: Decimal
    promised_delivery_date: dt.date | None

    @property
    def meets_minimum(self) -> bool:
        return self.total >= self.min_order_value

    @property
    def missing_to_minimum(self) -> Decimal:
        return max(self.min_order_value - self.total, Decimal("0.00"))

    @property
    def fully_available(self) -> bool:
        return all(q.shortfall == 0 and q.unit_cost is not None for q in self.lines)


def order_quote(*, order: ReplenishmentOrder, now: dt.datetime | None = None) -> Quote:
    """What submitting now would cost and when it would arrive, at today's warehouse prices and
    stock (nothing is reserved: the stock may be gone by the time the order is submitted).
    Only drafts are quoted (409 `order_not_draft`): a submitted order has its own total."""
    if order.status != Status.DRAFT:
        raise Conflict(
            _("Only a draft can be quoted; a submitted order has its total."),
            code="order_not_draft",
            fields={"status": [order.status]},
        )
    warehouse = order.warehouse
    lines = list(order.lines.all())
    stock = {
        row.product_id: row
        for row in warehouse.stock.filter(product_id__in=[line.product_id for line in lines])
    }
    quote_lines = [
        QuoteLine(
            line=line,
            unit_cost=stock[line.product_id].unit_cost if line.product_id in stock else None,
            available=max(stock[line.product_id].available, 0) if line.product_id in stock else 0,
        )
        for line in lines
    ]
    total = sum((q.line_total for q in quote_lines), Decimal("0.00"))
    try:
        promised = promised_delivery_date(
            now or timezone.now(),
            order.store.timezone,
            warehouse.cutoff_time,
            warehouse.lead_time_days,
            warehouse.delivery_weekdays,
        )
    except ValueError:
        promised = None
    return Quote(
        lines=quote_lines,
        total=total,
        min_order_value=warehouse.min_order_value,
        promised_delivery_date=promised,
    )
