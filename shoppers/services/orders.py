"""Shopper orders: placement with stock reservation, the state machine, completion as a sale,
expiry.

Every transition is one function here, runs in one transaction, checks `TRANSITIONS` (an
illegal move is 409 `illegal_transition`, never a silent no-op) and writes one
`ShopperOrderEvent` with who and when. API views, admin actions, the expiry task and the command
all call these functions.

Locking order: the order row first, then the store's stock-level rows in product-id order
(`stores.services.reservation`, `stock_apply`), then daily-sales rows (`sales_record`).
Placement locks the shopper's profile row (the open-order caps), then stock rows (its order row
is new). POS ingest locks the store row (FOR NO
KEY UPDATE, which the order's foreign key does not wait for), then stock rows: no cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst import notes
from lst.errors import Conflict, NotFound, ValidationFailed
from stores.localtime import store_zone
from stores.models import StockLevel, Store
from stores.nearby import haversine_km
from stores.opening_hours import is_open, next_opening
from stores.services import (
    InsufficientStock,
    Sale,
    SaleLine,
    sales_record,
    stock_release,
    stock_reserve,
)

from ..models import (
    ShopperAddress,
    ShopperOrder,
    ShopperOrderEvent,
    ShopperOrderLine,
    ShopperProfile,
)

Status = ShopperOrder.Status
Fulfilment = ShopperOrder.Fulfilment

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PLACED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.CANCELLED, Status.EXPIRED}),
    Status.ACCEPTED: frozenset({Status.READY, Status.DECLINED}),
    Status.READY: frozenset({Status.OUT_FOR_DELIVERY, Status.PICKED_UP, Status.DECLINED}),
    Status.OUT_FOR_DELIVERY: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.PICKED_UP: frozenset(),
    Status.DECLINED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
}
# Statuses whose order holds reserved store stock (released or sold when it leaves them).
HOLDS_RESERVATION = frozenset(
    {Status.PLACED, Status.ACCEPTED, Status.READY, Status.OUT_FOR_DELIVERY}
)
_ONLY_FOR: dict[str, str] = {
    Status.OUT_FOR_DELIVERY: Fulfilment.DELIVERY,
    Status.DELIVERED: Fulfilment.DELIVERY,
    Status.PICKED_UP: Fulfilment.PICKUP,
}


@dataclass(frozen=True)
class OrderLineSpec:
    product_id: int
    quantity: int


# --- placement -------------------------------------------------------------------------------


def store_for_shoppers(*, store_id: Any) -> Store:
    """An active store (the ones shoppers can see); anything else is NotFound."""
    store = Store.objects.filter(pk=store_id, status=Store.Status.ACTIVE).first()
    if store is None:
        raise NotFound(_("Store not found."), fields={"store": [_("No such store.")]})
    return store


def _build_lines(lines: Sequence[OrderLineSpec]) -> list[ShopperOrderLine]:
    if not lines:
        raise ValidationFailed(
            _("An order needs at least one line."), fields={"lines": [_("Add a product.")]}
        )
    if len(lines) > settings.SHOPPER_MAX_LINES:
        raise ValidationFailed(
            _("Too many lines."),
            fields={"lines": [_("At most %(n)d lines.") % {"n": settings.SHOPPER_MAX_LINES}]},
        )
    products = Product.objects.in_bulk({spec.product_id for spec in lines})
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    built = []
    limit = settings.SHOPPER_MAX_LINE_QUANTITY
    for i, spec in enumerate(lines):
        at = f"lines[{i}]"
        product = products.get(spec.product_id)
        if product is None or not product.is_active:
            errors[f"{at}.product"] = [_("Unknown or discontinued product.")]
        elif spec.product_id in seen:
            errors[f"{at}.product"] = [_("This product is already on another line.")]
        elif not 1 <= spec.quantity <= limit:
            errors[f"{at}.quantity"] = [_("Between 1 and %(n)d units.") % {"n": limit}]
        else:
            seen.add(spec.product_id)
            built.append(
                ShopperOrderLine(
                    product=product, quantity=spec.quantity, unit_price=product.retail_price
                )
            )
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)
    return built


def _delivery_terms(
    *, store: Store, shopper: Any, address_id: Any, subtotal: Decimal
) -> tuple[ShopperAddress, int]:
    """The shopper's address and its distance in metres, or a 400 naming the field."""
    address = ShopperAddress.objects.filter(shopper=shopper, pk=address_id).first()
    if address is None:
        raise ValidationFailed(
            _("Choose one of your delivery addresses."),
            fields={"address": [_("Unknown address.")]},
        )
    radius = store.delivery_radius_km
    if not radius or store.latitude is None or store.longitude is None:
        raise ValidationFailed(
            _("This store does not deliver; choose pick-up."),
            code="delivery_unavailable",
            fields={"fulfilment": [_("Pick-up only.")]},
        )
    km = haversine_km(
        float(store.latitude),
        float(store.longitude),
        float(address.latitude),
        float(address.longitude),
    )
    if km > float(radius):
        raise ValidationFailed(
            _("This address is %(d).1f km away; the store delivers within %(r)s km.")
            % {"d": km, "r": radius},
            code="out_of_delivery_radius",
            fields={
                "address": [_("%(d).1f km away, beyond %(r)s km.") % {"d": km, "r": radius}],
            },
        )
    if subtotal < store.min_basket_value:
        raise ValidationFailed(
            _("The basket is %(s)s; this store delivers from %(m)s.")
            % {"s": subtotal, "m": store.min_basket_value},
            code="below_minimum_basket",
            fields={
                "lines": [
                    _("Add %(d)s more to reach the minimum of %(m)s.")
                    % {"d": store.min_basket_value - subtotal, "m": store.min_basket_value}
                ]
            },
        )
    return address, round(km * 1000)


def _check_takes_orders(store: Store, now: dt.datetime) -> None:
    """409 unless the store takes online orders and is open now (its local opening hours)."""
    if not store.accepts_online_orders:
        raise Conflict(
            _("This store does not take online orders."),
            code="store_not_accepting_orders",
            fields={"store": [_("Not taking online orders.")]},
        )
    local = now.astimezone(store_zone(store))
    if not is_open(store.opening_hours, local):
        opens = next_opening(store.opening_hours, local)
        when = (
            _("It opens %(when)s.") % {"when": opens.strftime("%Y-%m-%d %H:%M")}
            if opens is not None
            else _("It has no opening hours this week.")
        )
        raise Conflict(
            _("The store is closed now.") + " " + when,
            code="store_closed",
            fields={"store": [when]},
        )


def _check_fulfilment(fulfilment: str) -> None:
    if fulfilment not in Fulfilment.values:
        raise ValidationFailed(
            _("Choose delivery or pick-up."), fields={"fulfilment": [_("Unknown fulfilment.")]}
        )


@dataclass(frozen=True)
class QuoteLine:
    product: Product
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    available: int  # units the store can sell online now (on hand, less what orders reserve)


@dataclass(frozen=True)
class Quote:
    """What an order of these lines would be now, and what stands in its way (nothing is
    reserved or written). `problems`: the errors placing it now would answer, each as
    `{"code", "message", "fields"}`, in the order the checks run."""

    store: Store
    fulfilment: str
    lines: list[QuoteLine]
    subtotal: Decimal
    delivery_fee: Decimal
    total: Decimal
    problems: list[dict[str, Any]]

    @property
    def can_order(self) -> bool:
        return not self.problems


def order_quote(
    *,
    shopper: Any,
    store_id: Any,
    lines: Sequence[OrderLineSpec],
    fulfilment: str,
    address_id: int | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """Price a basket at one store as `order_place` would, without placing it.

    Input errors are raised as there (404 store, 400 `lines[i].product` / `quantity`,
    `fulfilment`); the rest (closed, not taking orders, delivery terms, open-order caps, stock)
    are listed in `problems`, so the app can show them all beside the basket.
    """
    now = now or timezone.now()
    store = store_for_shoppers(store_id=store_id)
    _check_fulfilment(fulfilment)
    built = _build_lines(lines)
    problems: list[dict[str, Any]] = []

    def check(run: Any, **kwargs: Any) -> Any:
        try:
            return run(**kwargs)
        except (Conflict, ValidationFailed) as exc:
            problems.append({"code": exc.code, "message": exc.message, "fields": exc.fields})
            return None

    check(_check_takes_orders, store=store, now=now)
    check(_check_open_limits, shopper=shopper, units=sum(line.quantity for line in built))
    subtotal = sum((line.line_total for line in built), Decimal("0.00"))
    fee = Decimal("0.00")
    if fulfilment == Fulfilment.DELIVERY:
        terms = check(
            _delivery_terms, store=store, shopper=shopper, address_id=address_id, subtotal=subtotal
        )
        fee = store.delivery_fee if terms is not None else fee
    free = {
        pid: max(on_hand - reserved, 0)
        for pid, on_hand, reserved in StockLevel.objects.filter(
            store=store, product_id__in=[line.product_id for line in built]
        ).values_list("product_id", "on_hand", "reserved")
    }
    short = {
        f"lines[{i}].quantity": [
            _("Only %(a)d available (%(q)d asked).")
            % {"a": free.get(line.product_id, 0), "q": line.quantity}
        ]
        for i, line in enumerate(built)
        if free.get(line.product_id, 0) < line.quantity
    }
    if short:
        problems.append(
            {
                "code": "insufficient_stock",
                "message": _("Not enough stock for %(n)d line(s).") % {"n": len(short)},
                "fields": short,
            }
        )
    return Quote(
        store=store,
        fulfilment=fulfilment,
        lines=[
            QuoteLine(
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
                available=free.get(line.product_id, 0),
            )
            for line in built
        ],
        subtotal=subtotal,
        delivery_fee=fee,
        total=subtotal + fee,
        problems=problems,
    )


@transaction.atomic
def order_place(
    *,
    shopper: Any,
    store_id: Any,
    lines: Sequence[OrderLineSpec],
    fulfilment: str,
    address_id: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ShopperOrder:
    """Place an order and reserve its stock, all or nothing.

    Prices are the products' retail prices now. Errors: 404 store not found (missing, not
    active); 409 `store_not_accepting_orders`, `store_closed` (outside its opening hours); 400 `validation_error` (`lines[i].product`,
    `lines[i].quantity`, `address`), `delivery_unavailable`, `out_of_delivery_radius`,
    `below_minimum_basket` (deliveries only); 409 `insufficient_stock` with each short line's
    available units in `fields["lines[i].quantity"]` and `fields["shortfall"]`.
    """
    now = now or timezone.now()
    store = store_for_shoppers(store_id=store_id)
    _check_takes_orders(store, now)
    _check_fulfilment(fulfilment)
    built = _build_lines(lines)
    _check_open_limits(shopper=shopper, units=sum(line.quantity for line in built))
    subtotal = sum((line.line_total for line in built), Decimal("0.00"))
    order = ShopperOrder(
        shopper=shopper,
        store=store,
        status=Status.PLACED,
        fulfilment=fulfilment,
        subtotal=subtotal,
        note=note[:300],
        placed_at=now,
        expires_at=now + dt.timedelta(minutes=settings.SHOPPER_ORDER_ACCEPT_MINUTES),
    )
    if fulfilment == Fulfilment.DELIVERY:
        address, metres = _delivery_terms(
            store=store, shopper=shopper, address_id=address_id, subtotal=subtotal
        )
        order.address = address
        order.delivery_address = address.address
        order.delivery_recipient = address.recipient
        order.delivery_phone = address.phone or getattr(shopper, "phone", "")
        order.delivery_latitude = address.latitude
        order.delivery_longitude = address.longitude
        order.distance_m = metres
        order.delivery_fee = store.delivery_fee
    order.total = order.subtotal + order.delivery_fee

    quantities = {line.product_id: line.quantity for line in built}
    try:
        stock_reserve(store=store, quantities=quantities)
    except InsufficientStock as exc:
        fields: dict[str, Any] = {}
        shortfall = []
        for i, line in enumerate(built):
            if line.product_id in exc.available:
                available = exc.available[line.product_id]
                fields[f"lines[{i}].quantity"] = [
                    _("Only %(a)d available (%(q)d asked).") % {"a": available, "q": line.quantity}
                ]
                shortfall.append(
                    {
                        "line": i,
                        "product": line.product_id,
                        "requested": line.quantity,
                        "available": available,
                    }
                )
        fields["shortfall"] = shortfall
        raise Conflict(
            _("Not enough stock for %(n)d line(s).") % {"n": len(shortfall)},
            code="insufficient_stock",
            fields=fields,
        ) from None
    order.save()
    for line in built:
        line.order = order
    ShopperOrderLine.objects.bulk_create(built)
    _event(order, "", Status.PLACED, user=shopper, data={"reserved": _str_keys(quantities)})
    return order


def _check_open_limits(*, shopper: Any, units: int) -> None:
    """409 past SHOPPER_MAX_OPEN_ORDERS open orders or SHOPPER_MAX_OPEN_UNITS units in them (with
    this order), across stores: one shopper cannot tie up a store's stock with order after
    order. The shopper's profile row is locked first, so two placements at once are counted one
    after the other."""
    ShopperProfile.objects.select_for_update().filter(user=shopper).first()
    open_orders = ShopperOrder.objects.filter(shopper=shopper, status__in=HOLDS_RESERVATION)
    if open_orders.count() >= settings.SHOPPER_MAX_OPEN_ORDERS:
        raise Conflict(
            _("You have %(n)d orders in progress; wait until one is done.")
            % {"n": settings.SHOPPER_MAX_OPEN_ORDERS},
            code="too_many_open_orders",
            fields={"lines": [_("Too many orders in progress.")]},
        )
    held = (
        ShopperOrderLine.objects.filter(order__in=open_orders).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    if held + units > settings.SHOPPER_MAX_OPEN_UNITS:
        raise Conflict(
            _("At most %(max)d units in orders in progress; you have %(held)d.")
            % {"max": settings.SHOPPER_MAX_OPEN_UNITS, "held": held},
            code="too_many_open_units",
            fields={
                "lines": [
                    _("At most %(n)d more units.")
                    % {"n": max(0, settings.SHOPPER_MAX_OPEN_UNITS - held)}
                ]
            },
        )


# --- the state machine -----------------------------------------------------------------------


def _str_keys(d: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(d.items())}


def _event(
    order: ShopperOrder,
    from_status: str,
    to_status: str,
    *,
    user: Any | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ShopperOrderEvent:
    return ShopperOrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=user if getattr(user, "pk", None) else None,
        note=note[:300],
        data=data or {},
    )


def check_transition(order: ShopperOrder, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        raise Conflict(
            _("A %(from)s order cannot become %(to)s.")
            % {"from": Status(order.status).label, "to": Status(to).label},
            code="illegal_transition",
            fields={"status": [order.status], "to_status": [to]},
        )
    needed = _ONLY_FOR.get(to)
    if needed and order.fulfilment != needed:
        raise Conflict(
            _("A %(f)s order cannot become %(to)s.")
            % {"f": Fulfilment(order.fulfilment).label, "to": Status(to).label},
            code="wrong_fulfilment",
            fields={"fulfilment": [order.fulfilment], "to_status": [to]},
        )


def _lock(order: ShopperOrder | int) -> ShopperOrder:
    pk = order if isinstance(order, int) else order.pk
    locked = (
        ShopperOrder.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("Order not found."))
    return locked


def _quantities(order: ShopperOrder) -> dict[int, int]:
    return dict(order.lines.order_by("product_id").values_list("product_id", "quantity"))


def _move(
    order: ShopperOrder,
    to: str,
    *,
    user: Any | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> ShopperOrder:
    """Move a locked order (the caller checked the transition); release its reservation when it
    leaves the reserving statuses for a non-sale end."""
    from_status = order.status
    data = dict(data or {})
    if from_status in HOLDS_RESERVATION and to in {
        Status.DECLINED,
        Status.CANCELLED,
        Status.EXPIRED,
    }:
        released = _quantities(order)
        stock_release(store=order.store, quantities=released)
        data["released"] = _str_keys(released)
    order.status = to
    order.save(update_fields=["status", "updated_at", *fields])
    _event(order, from_status, to, user=user, note=note, data=data)
    return order


def _is_past_deadline(order: ShopperOrder, now: dt.datetime) -> bool:
    return order.status == Status.PLACED and order.expires_at <= now


@transaction.atomic
def order_accept(
    *,
    order: ShopperOrder,
    estimated_at: dt.datetime,
    user: Any | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ShopperOrder:
    """The store takes the order, with its estimate of when it is ready (pick-up) or delivered.
    409 `order_expired` past the acceptance deadline (the expiry job releases the stock)."""
    now = now or timezone.now()
    locked = _lock(order)
    check_transition(locked, Status.ACCEPTED)
    if _is_past_deadline(locked, now):
        raise Conflict(
            _("This order was not accepted in time and has expired."),
            code="order_expired",
            fields={"expires_at": [locked.expires_at.isoformat()]},
        )
    if estimated_at <= now - dt.timedelta(minutes=5):
        raise ValidationFailed(
            _("The estimate cannot be in the past."),
            fields={"estimated_at": [_("Must be in the future.")]},
        )
    locked.accepted_at = now
    locked.estimated_at = estimated_at
    return _move(
        locked,
        Status.ACCEPTED,
        user=user,
        note=note,
        data={"estimated_at": estimated_at.isoformat()},
        fields=["accepted_at", "estimated_at"],
    )


@transaction.atomic
def order_decline(*, order: ShopperOrder, reason: str, user: Any | None = None) -> ShopperOrder:
    """The store refuses (before the goods leave), with a reason; the stock is released."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the order is declined."), fields={"reason": [_("This field is required.")]}
        )
    locked = _lock(order)
    check_transition(locked, Status.DECLINED)
    locked.decline_reason = reason[:300]
    return _move(locked, Status.DECLINED, user=user, note=reason, fields=["decline_reason"])


@transaction.atomic
def order_mark_ready(*, order: ShopperOrder, user: Any | None = None) -> ShopperOrder:
    locked = _lock(order)
    check_transition(locked, Status.READY)
    return _move(locked, Status.READY, user=user)


@transaction.atomic
def order_mark_out_for_delivery(*, order: ShopperOrder, user: Any | None = None) -> ShopperOrder:
    locked = _lock(order)
    check_transition(locked, Status.OUT_FOR_DELIVERY)
    return _move(locked, Status.OUT_FOR_DELIVERY, user=user)


def _complete(
    order: ShopperOrder, to: str, *, user: Any | None, now: dt.datetime | None
) -> ShopperOrder:
    """Hand-over: release the reservation and record the sale exactly like a till receipt
    (ledger `sale` movements and DailySales of the store-local date of the hand-over)."""
    now = now or timezone.now()
    locked = _lock(order)
    check_transition(locked, to)
    lines = list(locked.lines.order_by("product_id"))
    quantities = {line.product_id: line.quantity for line in lines}
    stock_release(store=locked.store, quantities=quantities)
    sales_record(
        store=locked.store,
        sales=[
            Sale(
                reference=f"shopper-order:{locked.pk}",
                occurred_at=now,
                lines=tuple(SaleLine(ln.product_id, ln.quantity, ln.unit_price) for ln in lines),
            )
        ],
        user=user,
    )
    locked.completed_at = now
    return _move(
        locked, to, user=user, data={"sold": _str_keys(quantities)}, fields=["completed_at"]
    )


@transaction.atomic
def order_mark_delivered(
    *, order: ShopperOrder, user: Any | None = None, now: dt.datetime | None = None
) -> ShopperOrder:
    return _complete(order, Status.DELIVERED, user=user, now=now)


@transaction.atomic
def order_mark_picked_up(
    *, order: ShopperOrder, user: Any | None = None, now: dt.datetime | None = None
) -> ShopperOrder:
    return _complete(order, Status.PICKED_UP, user=user, now=now)


@transaction.atomic
def order_cancel(*, order: ShopperOrder, user: Any | None = None, reason: str = "") -> ShopperOrder:
    """The shopper withdraws an order the store has not accepted yet; the stock is released."""
    locked = _lock(order)
    if locked.status != Status.PLACED:
        raise Conflict(
            _("The store has already handled this order; it can no longer be cancelled."),
            code="illegal_transition",
            fields={"status": [locked.status], "to_status": [Status.CANCELLED]},
        )
    return _move(locked, Status.CANCELLED, user=user, note=reason)


@transaction.atomic
def order_expire(*, order: ShopperOrder | int, now: dt.datetime | None = None) -> bool:
    """Expire one order if it is still waiting past its deadline; False (no change) otherwise,
    so running it twice, or after an accept or cancel won the race, is harmless."""
    now = now or timezone.now()
    locked = _lock(order)
    if not _is_past_deadline(locked, now):
        return False
    _move(locked, Status.EXPIRED, user=None, note=notes.NOT_ACCEPTED_IN_TIME)
    return True


def orders_expire_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Expire up to `limit` orders past their deadline, each in its own transaction; returns how
    many expired. Idempotent: safe to run from beat, a command and by hand at once."""
    now = now or timezone.now()
    due = list(
        ShopperOrder.objects.filter(status=Status.PLACED, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if order_expire(order=pk, now=now))
