"""Reads shared by views, admin and tasks. Tenant scoping lives here.

`store_get_for_user` is the one door to a store: a store that does not exist and a store the
user does not belong to give the same NotFound, so an id never reveals another tenant's store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from catalog.selectors import category_with_descendants, product_search_q
from lst.api.fields import MAX_ID
from lst.errors import NotFound, PermissionDenied
from lst.prepared_queries import PreparedQuery

from .localtime import store_local_date
from .models import DailySales, Fixture, StockLevel, StockMovement, Store, StoreMembership

Role = StoreMembership.Role


def stores_for_user(*, user: Any) -> QuerySet[Store]:
    if not getattr(user, "is_authenticated", False):
        return Store.objects.none()
    return Store.objects.filter(memberships__user=user).select_related("warehouse", "territory")


def membership_get(
    *, user: Any, store_id: Any, query: MembershipQuery | None = None
) -> StoreMembership:
    """The user's membership of the store, or NotFound (missing store and foreign store alike).
    `query`: the door's query with another app's annotations (`MembershipQuery`), read in the
    same round trip; by default the plain one."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Store not found."))
    try:
        store_pk = int(store_id)
    except (TypeError, ValueError):
        raise NotFound(_("Store not found.")) from None
    if not 1 <= store_pk <= MAX_ID:
        raise NotFound(_("Store not found."))
    found = (query or _membership_query)(user_id=user.pk, store_id=store_pk)
    if not found:
        raise NotFound(_("Store not found."))
    return found[0]


def _membership_lookup(*, user_id: int, store_id: int) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.select_related(
        "store", "store__warehouse", "store__territory"
    ).filter(user_id=user_id, store_id=store_id)


class MembershipQuery(PreparedQuery):
    """The door's query (one membership with its store, warehouse and territory), compiled once
    (lst/prepared_queries.py). `annotate` may add annotations for another app to read in the
    same round trip (the list of purchase suggestions reads the version of its cache there);
    it must only annotate, never filter: which row is found stays the door's business."""

    def __init__(
        self,
        annotate: Callable[[QuerySet[StoreMembership]], QuerySet[StoreMembership]] | None = None,
    ) -> None:
        def build(*, user_id: int, store_id: int) -> QuerySet[StoreMembership]:
            found = _membership_lookup(user_id=user_id, store_id=store_id)
            return (annotate(found) if annotate else found)[:1]

        super().__init__(build, "user_id", "store_id")


# Every store request runs it.
_membership_query = MembershipQuery()


def store_get_for_user(
    *, user: Any, store_id: Any, owner_only: bool = False, query: MembershipQuery | None = None
) -> Store:
    """The store if the user belongs to it. `owner_only` turns a clerk away with 403: the clerk
    may see the store, so hiding it would be pointless, but may not act as the owner. `query`:
    see `membership_get`; its annotations are on the membership, not the store."""
    membership = membership_get(user=user, store_id=store_id, query=query)
    if owner_only and membership.role != Role.OWNER:
        raise PermissionDenied(_("Only the store owner can do this."), code="owner_only")
    return membership.store


def memberships_for_user(*, user: Any) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.filter(user=user).select_related("store").order_by("store_id")


def fixtures_for_store(*, store: Store) -> QuerySet[Fixture]:
    return Fixture.objects.filter(store=store).order_by("name", "id")


def fixture_get(*, store: Store, fixture_id: Any) -> Fixture:
    """A fixture of this store; another store's fixture is NotFound, like a missing one."""
    fixture = Fixture.objects.filter(store=store, pk=fixture_id).first()
    if fixture is None:
        raise NotFound(_("Fixture not found."))
    return fixture


def sales_window(*, store: Store, today: dt.date | None = None) -> tuple[dt.date, dt.date, int]:
    """The store-local dates whose sales make "recent average daily sales": the last
    `STOCK_SALES_WINDOW_DAYS` days, today included. Returns (first, last, number of days)."""
    days = settings.STOCK_SALES_WINDOW_DAYS
    last = today or store_local_date(store)
    return last - dt.timedelta(days=days - 1), last, days


def stock_list(
    *,
    store: Store,
    category_id: int | None = None,
    low: bool | None = None,
    out: bool | None = None,
    q: str = "",
    product_id: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[StockLevel]:
    """The store's stock levels with `recent_units` (units sold in the sales window) annotated.

    `low=True`: on hand below `STOCK_LOW_DAYS` days of recent average daily sales, i.e.
    on_hand * window_days < low_days * recent_units (integers, no rounding); a product that did
    not sell in the window is never low. `out=True`: nothing on hand.
    """
    first, last, days = sales_window(store=store, today=today)
    recent = (
        DailySales.objects.filter(
            store=store, product=OuterRef("product_id"), date__gte=first, date__lte=last
        )
        .order_by()
        .values("product")
        .annotate(units=Sum("units"))
        .values("units")
    )
    levels = (
        StockLevel.objects.filter(store=store)
        .select_related("product")
        .annotate(
            recent_units=Coalesce(
                Subquery(recent, output_field=IntegerField()), Value(0), output_field=IntegerField()
            )
        )
    )
    if product_id is not None:
        levels = levels.filter(product_id=product_id)
    if category_id is not None:
        ids = category_with_descendants(category_id=category_id)
        levels = levels.filter(product__category_id__in=ids)
    if q.strip():
        levels = levels.filter(product_search_q(q, prefix="product__"))
    if out is True:
        levels = levels.filter(on_hand=0)
    elif out is False:
        levels = levels.filter(on_hand__gt=0)
    if low is not None:
        is_low = {"on_hand_x_days__lt": F("recent_units") * settings.STOCK_LOW_DAYS}
        levels = levels.annotate(on_hand_x_days=F("on_hand") * days)
        levels = levels.filter(**is_low) if low else levels.exclude(**is_low)
    return levels.order_by("product__sku", "id")


def stock_movements(
    *,
    store: Store,
    product_id: int,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[StockMovement]:
    """One product's ledger in one store, newest first."""
    movements = StockMovement.objects.filter(store=store, product_id=product_id).select_related(
        "created_by"
    )
    if kind:
        movements = movements.filter(kind=kind)
    if since is not None:
        movements = movements.filter(occurred_at__gte=since)
    if until is not None:
        movements = movements.filter(occurred_at__lt=until)
    return movements.order_by("-occurred_at", "-id")
