"""Replenishment orders: drafts, the state machine, reservation, delivery into store stock.

Every transition is one function here, runs in one transaction (retried on a deadlock), checks
the transition against `TRANSITIONS` (an illegal one is a 409 `illegal_transition`, never a
silent no-op) and writes one `OrderEvent` with who and when. API views, admin actions and tasks
all call these functions. Locking order: the order row, then warehouse-stock rows in product-id
order (see `replenishment.stock`).

Who may call what is decided by the caller's door (owner endpoints, warehouse endpoints, admin):
owners create, edit, submit, cancel and receive; the warehouse confirms, picks, ships, delivers
and rejects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst import notes
from lst.errors import Conflict, DomainError, NotFound, ValidationFailed
from stores.models import StockMovement, Store
from stores.services import MovementSpec, stock_apply

from . import stock as wh_stock
from .delivery import promised_delivery_date
from .models import OrderEvent, ReplenishmentOrder, ReplenishmentOrderLine, Warehouse
from .retry import retry_transaction

Status = ReplenishmentOrder.Status

MAX_LINES = 500

# The state machine: status -> statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.CONFIRMED, Status.CANCELLED, Status.REJECTED}),
    Status.CONFIRMED: frozenset({Status.PICKING, Status.CANCELLED, Status.REJECTED}),
    Status.PICKING: frozenset({Status.SHIPPED, Status.REJECTED}),
    Status.SHIPPED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset({Status.RECEIVED}),
    Status.RECEIVED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REJECTED: frozenset(),
}
# Statuses in which the order holds reserved warehouse stock.
HOLDS_RESERVATION = frozenset({Status.SUBMITTED, Status.CONFIRMED, Status.PICKING})


@dataclass(frozen=True)
class LineSpec:
    """A requested line: `quantity` in units (a multiple of the case pack) or `cases`."""

    product_id: int
    quantity: int | None = None
    cases: int | None = None


@dataclass(frozen=True)
class LineCut:
    """What a partial submission cut from one line."""

    index: int
    line_id: int
    product_id: int
    requested: int
    reserved: int

    @property
    def cut(self) -> int:
        return self.requested - self.reserved


@dataclass(frozen=True)
class SubmitResult:
    order: ReplenishmentOrder
    cuts: list[LineCut] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiptSpec:
    """The owner's count of one delivered line: good units and damaged units."""

    product_id: int
    quantity_received: int
    quantity_damaged: int = 0
    note: str = ""


# --- drafts ----------------------------------------------------------------------------------


def _store_warehouse(store: Store) -> Warehouse:
    if store.warehouse_id is None:
        raise Conflict(_("This store is not served by a warehouse yet."), code="no_warehouse")
    return store.warehouse  # type: ignore[return-value]


def _build_lines(
    *, warehouse: Warehouse, lines: Sequence[LineSpec | tuple[int, int]]
) -> list[ReplenishmentOrderLine]:
    """Validate requested lines (all errors at once, each naming `lines[i].<field>`) and return
    unsaved order lines priced at the warehouse's current unit cost."""
    specs = [s if isinstance(s, LineSpec) else LineSpec(int(s[0]), int(s[1])) for s in lines]
    if not specs:
        raise ValidationFailed(
            _("An order needs at least one line."), fields={"lines": [_("Add a line.")]}
        )
    if len(specs) > MAX_LINES:
        raise ValidationFailed(
            _("Too many lines."), fields={"lines": [_("At most %(n)d lines.") % {"n": MAX_LINES}]}
        )
    ids = {s.product_id for s in specs}
    products = Product.objects.in_bulk(ids)
    costs = dict(warehouse.stock.filter(product_id__in=ids).values_list("product_id", "unit_cost"))
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    built: list[ReplenishmentOrderLine] = []
    for i, spec in enumerate(specs):
        at = f"lines[{i}]"
        product = products.get(spec.product_id)
        if product is None or not product.is_active:
            errors[f"{at}.product"] = [_("Unknown or discontinued product.")]
            continue
        if spec.product_id in seen:
            errors[f"{at}.product"] = [_("This product is already on another line.")]
            continue
        seen.add(spec.product_id)
        if spec.product_id not in costs:
            errors[f"{at}.product"] = [_("Your warehouse does not stock this product.")]
            continue
        if (spec.quantity is None) == (spec.cases is None):
            errors[f"{at}.quantity"] = [_("Give either quantity (units) or cases.")]
            continue
        if spec.cases is not None:
            if spec.cases < 1:
                errors[f"{at}.cases"] = [_("Order at least one case.")]
                continue
            quantity = spec.cases * product.case_pack
        else:
            quantity = int(spec.quantity)  # type: ignore[arg-type]
            if quantity < 1:
                errors[f"{at}.quantity"] = [_("Order at least one case.")]
                continue
            if quantity % product.case_pack:
                errors[f"{at}.quantity"] = [
                    _("Must be a multiple of the case pack (%(n)d units).")
                    % {"n": product.case_pack}
                ]
                continue
        built.append(
            ReplenishmentOrderLine(
                product=product, quantity=quantity, unit_cost=costs[spec.product_id]
            )
        )
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)
    return built


def _lines_total(lines: Sequence[ReplenishmentOrderLine], *, reserved: bool) -> Decimal:
    total = Decimal("0.00")
    for line in lines:
        total += (line.quantity_reserved if reserved else line.quantity) * line.unit_cost
    return total


@transaction.atomic
def order_create_draft(
    *,
    store: Store,
    lines: Sequence[LineSpec | tuple[int, int]],
    user: Any | None = None,
    note: str = "",
) -> ReplenishmentOrder:
    """A new draft order of `store` from its warehouse. Nothing is reserved until submit."""
    warehouse = _store_warehouse(store)
    built = _build_lines(warehouse=warehouse, lines=lines)
    order = ReplenishmentOrder.objects.create(
        store=store,
        warehouse=warehouse,
        status=Status.DRAFT,
        note=note,
        created_by=user if getattr(user, "pk", None) else None,
        total=_lines_total(built, reserved=False),
    )
    for line in built:
        line.order = order
    ReplenishmentOrderLine.objects.bulk_create(built)
    return order


def order_create_from_lines(
    *, store: Store, lines: Sequence[tuple[int, int]], user: Any | None = None, note: str = ""
) -> ReplenishmentOrder:
    """A draft from `(product_id, quantity in units)` pairs, e.g. accepted purchase suggestions."""
    return order_create_draft(store=store, lines=lines, user=user, note=note)


def _lock_order(order_id: int) -> ReplenishmentOrder:
    order = (
        ReplenishmentOrder.objects.select_for_update(of=("self",))
        .select_related("store", "warehouse")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("Order not found."))
    return order


@retry_transaction
def order_update_draft(
    *,
    order: ReplenishmentOrder,
    lines: Sequence[LineSpec | tuple[int, int]] | None = None,
    note: str | None = None,
    user: Any | None = None,
) -> ReplenishmentOrder:
    """Edit a draft: `lines`, when given, replace all its lines."""
    order = _lock_order(order.pk)
    if order.status != Status.DRAFT:
        raise Conflict(
            _("Only a draft can be edited."),
            code="order_not_draft",
            fields={"status": [order.status]},
        )
    fields = ["updated_at"]
    if lines is not None:
        built = _build_lines(warehouse=order.warehouse, lines=lines)
        order.lines.all().delete()
        for line in built:
            line.order = order
        ReplenishmentOrderLine.objects.bulk_create(built)
        order.total = _lines_total(built, reserved=False)
        fields.append("total")
    if note is not None:
        order.note = note
        fields.append("note")
    order.save(update_fields=fields)
    return order


# --- the state machine -----------------------------------------------------------------------


def _move(
    order: ReplenishmentOrder,
    to: str,
    *,
    user: Any | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    extra_fields: Sequence[str] = (),
) -> OrderEvent:
    """Move a locked order to `to` and record the event. The caller checked the transition."""
    from_status = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at", *extra_fields])
    return OrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=to,
        actor=user if getattr(user, "pk", None) else None,
        note=note[:300],
        data=data or {},
    )


def check_transition(order: ReplenishmentOrder, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        raise Conflict(
            _("A %(from)s order cannot become %(to)s.")
            % {"from": Status(order.status).label, "to": Status(to).label},
            code="illegal_transition",
            fields={"status": [order.status], "to_status": [to]},
        )


def _ordered_lines(order: ReplenishmentOrder) -> list[ReplenishmentOrderLine]:
    """The order's lines in display order (by id): `lines[i]` in errors counts in this order."""
    return list(order.lines.select_related("product").order_by("id"))


def _submit(
    order: ReplenishmentOrder, *, allow_partial: bool, user: Any | None, now: dt.datetime
) -> SubmitResult:
    check_transition(order, Status.SUBMITTED)
    if order.store.status == Store.Status.SUSPENDED:
        raise Conflict(_("This store is suspended and cannot order."), code="store_suspended")
    lines = _ordered_lines(order)
    if not lines:
        raise ValidationFailed(
            _("An order needs at least one line."), fields={"lines": [_("Add a line.")]}
        )
    warehouse = order.warehouse
    try:
        promised = promised_delivery_date(
            now,
            order.store.timezone,
            warehouse.cutoff_time,
            warehouse.lead_time_days,
            warehouse.delivery_weekdays,
        )
    except ValueError as exc:
        raise Conflict(
            _("The warehouse has no delivery schedule."), code="no_delivery_schedule"
        ) from exc

    stocks = wh_stock.lock_stock(
        warehouse_id=warehouse.pk, product_ids=[line.product_id for line in lines]
    )
    unstocked = {
        f"lines[{i}].product": [_("Your warehouse does not stock this product.")]
        for i, line in enumerate(lines)
        if line.product_id not in stocks
    }
    if unstocked:
        raise ValidationFailed(next(iter(unstocked.values()))[0], fields=unstocked)

    cuts: list[LineCut] = []
    shortfall: dict[str, Any] = {}
    for i, line in enumerate(lines):
        row = stocks[line.product_id]
        line.unit_cost = row.unit_cost
        available = max(row.on_hand - row.reserved, 0)
        if available >= line.quantity:
            line.quantity_reserved = line.quantity
            continue
        pack = line.product.case_pack
        granted = available // pack * pack  # never a broken case
        shortfall[f"lines[{i}].quantity"] = [
            _("Only %(a)d units available (%(q)d requested).")
            % {"a": available, "q": line.quantity}
        ]
        cuts.append(LineCut(i, line.pk, line.product_id, line.quantity, granted))
        line.quantity_reserved = granted
    if shortfall and not allow_partial:
        shortfall["shortfall"] = [
            {
                "line": c.index,
                "product": c.product_id,
                "requested": c.requested,
                "available": c.reserved,
            }
            for c in cuts
        ]
        raise Conflict(
            _("Not enough stock in the warehouse for %(n)d line(s).") % {"n": len(cuts)},
            code="insufficient_stock",
            fields=shortfall,
        )
    total = _lines_total(lines, reserved=True)
    if total <= 0:
        raise Conflict(
            _("Nothing on this order is in stock."),
            code="insufficient_stock",
            fields={"lines": [_("No line can be served.")]},
        )
    if total < warehouse.min_order_value:
        raise Conflict(
            _("The order total %(t)s is below the minimum order value %(m)s.")
            % {"t": total, "m": warehouse.min_order_value},
            code="below_minimum_order_value",
            fields={
                "total": [str(total)],
                "min_order_value": [str(warehouse.min_order_value)],
            },
        )
    for line in lines:
        stocks[line.product_id].reserved += line.quantity_reserved
    wh_stock.save_stock(stocks[line.product_id] for line in lines if line.quantity_reserved)
    for line in lines:
        line.updated_at = now
    ReplenishmentOrderLine.objects.bulk_update(
        lines, ["quantity_reserved", "unit_cost", "updated_at"]
    )
    order.total = total
    order.submitted_at = now
    order.promised_delivery_date = promised
    _move(
        order,
        Status.SUBMITTED,
        user=user,
        data={
            "allow_partial": allow_partial,
            "total": str(total),
            "cuts": [
                {"product": c.product_id, "requested": c.requested, "reserved": c.reserved}
                for c in cuts
            ],
        },
        extra_fields=["total", "submitted_at", "promised_delivery_date"],
    )
    return SubmitResult(order=order, cuts=cuts)


@retry_transaction
def order_submit(
    *,
    order: ReplenishmentOrder,
    allow_partial: bool = False,
    user: Any | None = None,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Submit a draft: price every line at the warehouse's current unit cost, reserve its stock
    (all of it, or with `allow_partial` whole cases of what is available, cut lines kept at 0),
    check the minimum order value on what was reserved, and fix the promised delivery date.

    409 `insufficient_stock` (per-line shortfall in `fields`) when a line cannot be served in
    full and `allow_partial` is false; 409 `below_minimum_order_value` when the (possibly cut)
    total is too small. Nothing is reserved when it fails.
    """
    locked = _lock_order(order.pk)
    return _submit(locked, allow_partial=allow_partial, user=user, now=now or timezone.now())


def _release(order: ReplenishmentOrder) -> dict[int, int]:
    quantities = {
        pid: qty for pid, qty in order.lines.values_list("product_id", "quantity_reserved") if qty
    }
    wh_stock.stock_release(warehouse_id=order.warehouse_id, quantities=quantities)
    return quantities


def _cancel(order: ReplenishmentOrder, *, user: Any | None, note: str = "") -> None:
    check_transition(order, Status.CANCELLED)
    released = _release(order) if order.status in HOLDS_RESERVATION else {}
    _move(order, Status.CANCELLED, user=user, note=note, data={"released": _str_keys(released)})


def _reject(order: ReplenishmentOrder, *, user: Any | None, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the order is rejected."), fields={"reason": [_("This field is required.")]}
        )
    check_transition(order, Status.REJECTED)
    released = _release(order)
    order.reject_reason = reason[:300]
    _move(
        order,
        Status.REJECTED,
        user=user,
        note=reason,
        data={"released": _str_keys(released)},
        extra_fields=["reject_reason"],
    )


def _confirm(order: ReplenishmentOrder, *, user: Any | None) -> None:
    check_transition(order, Status.CONFIRMED)
    _move(order, Status.CONFIRMED, user=user)


def _start_picking(order: ReplenishmentOrder, *, user: Any | None) -> None:
    check_transition(order, Status.PICKING)
    _move(order, Status.PICKING, user=user)


def _ship(order: ReplenishmentOrder, *, user: Any | None) -> None:
    check_transition(order, Status.SHIPPED)
    shipped = {
        pid: qty for pid, qty in order.lines.values_list("product_id", "quantity_reserved") if qty
    }
    wh_stock.stock_consume(warehouse_id=order.warehouse_id, quantities=shipped)
    _move(order, Status.SHIPPED, user=user, data={"shipped": _str_keys(shipped)})


def _deliver(order: ReplenishmentOrder, *, user: Any | None) -> None:
    check_transition(order, Status.DELIVERED)
    _move(order, Status.DELIVERED, user=user)


def _str_keys(d: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in d.items()}


@retry_transaction
def order_cancel(
    *, order: ReplenishmentOrder, user: Any | None = None, note: str = ""
) -> ReplenishmentOrder:
    """The owner withdraws a draft, submitted or confirmed order; reserved stock is released."""
    locked = _lock_order(order.pk)
    _cancel(locked, user=user, note=note)
    return locked


@retry_transaction
def order_reject(
    *, order: ReplenishmentOrder, reason: str, user: Any | None = None
) -> ReplenishmentOrder:
    """The warehouse refuses a submitted, confirmed or picking order (a reason is required);
    reserved stock is released."""
    locked = _lock_order(order.pk)
    _reject(locked, user=user, reason=reason)
    return locked


@retry_transaction
def order_confirm(*, order: ReplenishmentOrder, user: Any | None = None) -> ReplenishmentOrder:
    locked = _lock_order(order.pk)
    _confirm(locked, user=user)
    return locked


@retry_transaction
def order_start_picking(
    *, order: ReplenishmentOrder, user: Any | None = None
) -> ReplenishmentOrder:
    locked = _lock_order(order.pk)
    _start_picking(locked, user=user)
    return locked


@retry_transaction
def order_ship(*, order: ReplenishmentOrder, user: Any | None = None) -> ReplenishmentOrder:
    """The goods leave: the warehouse's on_hand and reserved both drop by the reserved units."""
    locked = _lock_order(order.pk)
    _ship(locked, user=user)
    return locked


@retry_transaction
def order_deliver(*, order: ReplenishmentOrder, user: Any | None = None) -> ReplenishmentOrder:
    locked = _lock_order(order.pk)
    _deliver(locked, user=user)
    return locked


@retry_transaction
def order_receive(
    *,
    order: ReplenishmentOrder,
    receipts: Sequence[ReceiptSpec] = (),
    user: Any | None = None,
    now: dt.datetime | None = None,
) -> ReplenishmentOrder:
    """The owner confirms a delivery. Lines not listed in `receipts` arrived in full and in good
    condition. Good units go into store stock as `receipt` movements; damaged and missing units
    are recorded on the line as the delivery's discrepancy."""
    locked = _lock_order(order.pk)
    check_transition(locked, Status.RECEIVED)
    now = now or timezone.now()
    lines = _ordered_lines(locked)
    by_product = {line.product_id: line for line in lines}
    errors: dict[str, list[str]] = {}
    counted: dict[int, ReceiptSpec] = {}
    for i, spec in enumerate(receipts):
        at = f"lines[{i}]"
        line = by_product.get(spec.product_id)
        if line is None:
            errors[f"{at}.product"] = [_("This product is not on the order.")]
        elif spec.product_id in counted:
            errors[f"{at}.product"] = [_("This product is listed twice.")]
        elif spec.quantity_received < 0:
            errors[f"{at}.quantity_received"] = [_("Cannot be negative.")]
        elif spec.quantity_damaged < 0:
            errors[f"{at}.quantity_damaged"] = [_("Cannot be negative.")]
        elif spec.quantity_received + spec.quantity_damaged > line.quantity_reserved:
            errors[f"{at}.quantity_received"] = [
                _("Received and damaged units exceed the %(n)d units shipped.")
                % {"n": line.quantity_reserved}
            ]
        else:
            counted[spec.product_id] = spec
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)

    discrepancies = []
    movements = []
    for line in lines:
        count = counted.get(line.product_id)
        good = count.quantity_received if count else line.quantity_reserved
        line.quantity_received = good
        line.quantity_damaged = count.quantity_damaged if count else 0
        line.quantity_short = line.quantity_reserved - good - line.quantity_damaged
        line.discrepancy_note = (count.note if count else "")[:300]
        line.updated_at = now
        if good:
            movements.append(
                MovementSpec(
                    line.product_id,
                    StockMovement.Kind.RECEIPT,
                    good,
                    reference=f"order:{locked.pk}",
                    note=notes.ORDER_RECEIVED,
                )
            )
        if line.quantity_damaged or line.quantity_short:
            discrepancies.append(
                {
                    "product": line.product_id,
                    "shipped": line.quantity_reserved,
                    "received": good,
                    "damaged": line.quantity_damaged,
                    "short": line.quantity_short,
                    "note": line.discrepancy_note,
                }
            )
    ReplenishmentOrderLine.objects.bulk_update(
        lines,
        [
            "quantity_received",
            "quantity_damaged",
            "quantity_short",
            "discrepancy_note",
            "updated_at",
        ],
    )
    stock_apply(store=locked.store, movements=movements, occurred_at=now, user=user)
    _move(locked, Status.RECEIVED, user=user, data={"discrepancies": discrepancies})
    return locked


# --- the warehouse's bulk status update ------------------------------------------------------

WAREHOUSE_ACTIONS = {
    "confirm": Status.CONFIRMED,
    "pick": Status.PICKING,
    "ship": Status.SHIPPED,
    "deliver": Status.DELIVERED,
    "reject": Status.REJECTED,
}


@dataclass(frozen=True)
class BulkItem:
    order_id: int
    action: str
    reason: str = ""


def _apply_warehouse_action(order: ReplenishmentOrder, item: BulkItem, user: Any | None) -> None:
    if item.action == "confirm":
        _confirm(order, user=user)
    elif item.action == "pick":
        _start_picking(order, user=user)
    elif item.action == "ship":
        _ship(order, user=user)
    elif item.action == "deliver":
        _deliver(order, user=user)
    elif item.action == "reject":
        _reject(order, user=user, reason=item.reason)
    else:
        raise ValidationFailed(_("Unknown action."), fields={"action": [item.action]})


@retry_transaction
def orders_bulk_transition(
    *, warehouse: Warehouse, items: Sequence[BulkItem], user: Any | None = None
) -> list[ReplenishmentOrder]:
    """Apply many warehouse actions in one transaction, all or nothing.

    Every failing item is reported (409 `bulk_failed`, `fields["items[i]"]` = its code and
    message) and nothing is changed. Orders of other warehouses and drafts count as not found.
    All order rows are locked first, in id order, then every stock row involved, in product-id
    order, so a bulk update keeps the global locking order.
    """
    if not items:
        raise ValidationFailed(_("No orders given."), fields={"items": [_("Add an item.")]})
    ids = sorted({item.order_id for item in items})
    orders = {
        o.pk: o
        for o in ReplenishmentOrder.objects.select_for_update(of=("self",))
        .select_related("store", "warehouse")
        .filter(warehouse=warehouse, pk__in=ids)
        .exclude(status=Status.DRAFT)
        .order_by("pk")
    }
    wh_stock.lock_stock(
        warehouse_id=warehouse.pk,
        product_ids=ReplenishmentOrderLine.objects.filter(order_id__in=list(orders))
        .values_list("product_id", flat=True)
        .distinct(),
    )
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for i, item in enumerate(items):
        order = orders.get(item.order_id)
        try:
            if order is None:
                raise NotFound(_("Order not found."))
            if item.order_id in seen:
                raise ValidationFailed(_("This order is listed twice."))
            seen.add(item.order_id)
            with transaction.atomic():
                _apply_warehouse_action(order, item, user)
        except DomainError as exc:
            errors[f"items[{i}]"] = [f"{exc.code}: {exc.message}"]
    if errors:
        raise Conflict(
            _("%(n)d of %(t)d updates failed; nothing was changed.")
            % {"n": len(errors), "t": len(items)},
            code="bulk_failed",
            fields=errors,
        )
    return [orders[i] for i in ids]
