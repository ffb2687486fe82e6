"""Reads shared by views, admin and tasks. Tenant scoping lives here: a shopper sees only their
own orders, a store only its own; anything else is NotFound (missing and foreign alike)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from catalog.selectors import product_search_q
from lst.errors import NotFound, PermissionDenied
from stores.models import StockLevel, Store

from .models import ShopperAddress, ShopperOrder, ShopperOrderLine, ShopperProfile
from .services.orders import HOLDS_RESERVATION

Status = ShopperOrder.Status

# Who keeps their units when a sale ate into reserved stock: orders further along first (their
# goods may already be packed or on the road), then the earliest placed.
_PRIORITY: dict[str, int] = {
    Status.OUT_FOR_DELIVERY: 0,
    Status.READY: 1,
    Status.ACCEPTED: 2,
    Status.PLACED: 3,
}


def shopper_profile_get(*, user: Any) -> ShopperProfile:
    """The user's shopper profile, or 403 `not_a_shopper` (a store account without one)."""
    pk = getattr(user, "pk", None)
    profile = ShopperProfile.objects.filter(user_id=pk).first() if pk else None
    if profile is None:
        raise PermissionDenied(
            _("This account is not a shopper account; sign up or log in with a code."),
            code="not_a_shopper",
        )
    return profile


def addresses_for(*, shopper: Any) -> QuerySet[ShopperAddress]:
    return ShopperAddress.objects.filter(shopper=shopper).order_by("-created_at", "-id")


def _with_lines(orders: QuerySet[ShopperOrder]) -> QuerySet[ShopperOrder]:
    lines = ShopperOrderLine.objects.select_related("product").order_by("id")
    return orders.select_related("store", "shopper").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def orders_for_shopper(*, shopper: Any, status: str | None = None) -> QuerySet[ShopperOrder]:
    orders = ShopperOrder.objects.filter(shopper=shopper)
    if status:
        orders = orders.filter(status=status)
    return _with_lines(orders).order_by("-placed_at", "-id")


def order_get_for_shopper(*, shopper: Any, order_id: Any) -> ShopperOrder:
    order = _with_lines(ShopperOrder.objects.filter(shopper=shopper, pk=order_id)).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def orders_for_store(
    *, store: Store, status: str | None = None, conflict: bool | None = None
) -> QuerySet[ShopperOrder]:
    """The store's shopper orders, newest first. `conflict=True`: open orders whose reserved
    units were eaten by sales (see `stock_shortages`)."""
    orders = ShopperOrder.objects.filter(store=store)
    if status:
        orders = orders.filter(status=status)
    if conflict is not None:
        short = set(stock_shortages(store=store))
        orders = orders.filter(pk__in=short) if conflict else orders.exclude(pk__in=short)
    return _with_lines(orders).order_by("-placed_at", "-id")


def order_get_for_store(*, store: Store, order_id: Any) -> ShopperOrder:
    order = _with_lines(ShopperOrder.objects.filter(store=store, pk=order_id)).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def stock_shortages(
    *, store: Store, product_ids: Iterable[int] | None = None
) -> dict[int, dict[int, int]]:
    """Open orders of `store` whose reserved units are no longer all on hand: order id ->
    {product id: units short}.

    A walk-in sale may eat into reserved units (it must never fail), leaving `reserved >
    on_hand`. The units still on hand go to the open orders in `_PRIORITY` order; whatever is
    left uncovered is short. Computed on read, so a count that finds the goods clears it.
    One query when nothing is short, two otherwise.
    """
    levels = StockLevel.objects.filter(store=store, reserved__gt=0)
    if product_ids is not None:
        levels = levels.filter(product_id__in=list(product_ids))
    over = {
        pid: on_hand
        for pid, on_hand, reserved in levels.values_list("product_id", "on_hand", "reserved")
        if reserved > on_hand
    }
    if not over:
        return {}
    lines = ShopperOrderLine.objects.filter(
        order__store=store, order__status__in=HOLDS_RESERVATION, product_id__in=list(over)
    ).values_list("order_id", "product_id", "quantity", "order__status", "order__placed_at")
    ranked = sorted(lines, key=lambda r: (r[1], _PRIORITY[r[3]], r[4], r[0]))
    left = dict(over)
    shortages: dict[int, dict[int, int]] = defaultdict(dict)
    for order_id, pid, qty, _status, _placed in ranked:
        covered = min(left[pid], qty)
        left[pid] -= covered
        if qty > covered:
            shortages[order_id][pid] = qty - covered
    return dict(shortages)


def store_shop_products(*, store: Store, q: str = "") -> QuerySet[StockLevel]:
    """What a shopper can put in a basket at this store: active products with free stock
    (on hand minus reserved), by name. Nothing at a store that does not take online orders: its
    range and stock are its own business (nearby/ shows levels, never counts)."""
    if not store.accepts_online_orders:
        return StockLevel.objects.none()
    levels = (
        StockLevel.objects.filter(store=store, product__is_active=True)
        .annotate(free=F("on_hand") - F("reserved"))
        .filter(free__gte=1)
        .select_related("product")
    )
    if q.strip():
        levels = levels.filter(product_search_q(q, prefix="product__"))
    return levels.order_by("product__name", "product_id")
