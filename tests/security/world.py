"""The objects the matrix points its path parameters at.

Alice's and Bob's stores share a warehouse and hold every kind of store-owned object in the
state its endpoint acts on (a draft to submit, a delivered order to receive, a placed shopper
order to accept...). Sam and Tess are shoppers with orders at both stores; two warehouse service
accounts serve the shared warehouse and another one. Names carry a marker (ALICE-PRIVATE...) so an
answer that leaks another tenant's rows is caught by a plain text search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from recommendations.models import AssortmentSuggestion, ShelfPlan, ShelfPlanItem
from recommendations.services.shelf import LayoutItem, shelf_layout_record
from replenishment.models import ReplenishmentOrder
from replenishment.services import order_create_draft
from shoppers import services as shopper_services
from shoppers.models import ShopperOrder
from shoppers.services import OrderLineSpec
from stores.models import StockMovement, Store, StoreMembership
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import ProductFactory
from tests.conftest import Tenant
from tests.recommendations.factories import PurchaseSuggestionFactory
from tests.replenishment.factories import (
    WarehouseAccountFactory,
    WarehouseFactory,
    WarehouseStockFactory,
)
from tests.replenishment.helpers import walk
from tests.shoppers.factories import ShopperAddressFactory, ShopperProfileFactory
from tests.stores.factories import FixtureFactory, MembershipFactory, StoreFactory, UserFactory

MARK = {
    "alice": "ALICE-PRIVATE",
    "bob": "BOB-PRIVATE",
    "sam": "SAM-PRIVATE",
    "tess": "TESS-PRIVATE",
}
Status = ReplenishmentOrder.Status
SStatus = ShopperOrder.Status


@dataclass
class Actor:
    user: Any
    client: APIClient
    name: str = ""
    extra: Any = None  # a shopper's address, a warehouse account


def actor(user: Any, name: str, extra: Any = None) -> Actor:
    client = APIClient()
    client.force_authenticate(user=user)
    return Actor(user, client, name, extra)


@dataclass
class StoreObjects:
    """One store's objects, by the path parameter and route they serve."""

    store: Store
    fixture: Any
    product: Any  # carried, stocked in the store and the warehouse
    new_product: Any  # stocked by the warehouse, not carried: the assortment suggests it
    orders: dict[str, ReplenishmentOrder] = field(default_factory=dict)  # by status
    shopper_orders: dict[str, ShopperOrder] = field(default_factory=dict)  # by state name
    suggestion: Any = None
    assortment: Any = None


def _shelf(store: Store, fixture: Any, product: Any, user: Any) -> None:
    plan = ShelfPlan.objects.create(
        store=store,
        fixture=fixture,
        source=ShelfPlan.Source.RECOMMENDED,
        expected_daily_profit=Decimal("12.00"),
        current_daily_profit=Decimal("10.00"),
        upper_bound=Decimal("15.00"),
    )
    ShelfPlanItem.objects.create(
        plan=plan,
        product=product,
        level=3,
        position=1,
        facings=2,
        expected_daily_profit=Decimal("12.00"),
    )
    shelf_layout_record(
        store=store, fixture=fixture, items=[LayoutItem(product.pk, 1, 1)], user=user
    )


def _shopper_orders(store: Store, product: Any, shopper: Actor) -> dict[str, ShopperOrder]:
    def place(fulfilment: str, *steps: Callable[[ShopperOrder], Any]) -> ShopperOrder:
        order = shopper_services.order_place(
            shopper=shopper.user,
            store_id=store.pk,
            lines=[OrderLineSpec(product.pk, 1)],
            fulfilment=fulfilment,
            address_id=shopper.extra.pk if fulfilment == "delivery" else None,
            note=MARK[shopper.name],
        )
        for step in steps:
            step(order)
            order.refresh_from_db()
        return order

    soon = timezone.now() + dt.timedelta(hours=1)

    def accept(o: ShopperOrder) -> Any:
        return shopper_services.order_accept(order=o, estimated_at=soon)

    def ready(o: ShopperOrder) -> Any:
        return shopper_services.order_mark_ready(order=o)

    def out(o: ShopperOrder) -> Any:
        return shopper_services.order_mark_out_for_delivery(order=o)

    return {
        "placed": place("pickup"),
        "accepted": place("pickup", accept),
        "ready_delivery": place("delivery", accept, ready),
        "out_for_delivery": place("delivery", accept, ready, out),
        "ready_pickup": place("pickup", accept, ready),
    }


def build_store(
    owner: Any, store: Store, warehouse: Any, marker: str, shopper: Actor
) -> StoreObjects:
    Store.objects.filter(pk=store.pk).update(
        accepts_online_orders=True,
        delivery_radius_km=Decimal("5.00"),
        delivery_fee=Decimal("0.00"),
        min_basket_value=Decimal("0.00"),
    )
    store.refresh_from_db()
    product, extra, new = (ProductFactory.create(case_pack=6) for _ in range(3))
    for p in (product, extra, new):
        WarehouseStockFactory(
            warehouse=warehouse, product=p, on_hand=1000, unit_cost=Decimal("10.00")
        )
    for units in (60, 40):  # two receipts: every list below has at least two rows to page
        stock_apply(
            store=store,
            movements=[
                MovementSpec(p.pk, StockMovement.Kind.RECEIPT, units) for p in (product, extra)
            ],
        )
    fixture = FixtureFactory(store=store, name=f"{marker} shelf", width_cm=120)
    _shelf(store, fixture, product, owner)
    cooler = FixtureFactory(store=store, name=f"{marker} cooler", width_cm=90)
    _shelf(store, cooler, extra, owner)
    objs = StoreObjects(store, fixture, product, new)
    for status in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.CONFIRMED,
        Status.PICKING,
        Status.SHIPPED,
        Status.DELIVERED,
    ):
        order = order_create_draft(store=store, lines=[(product.pk, 12)], user=owner, note=marker)
        objs.orders[status] = walk(order, status)
    objs.suggestion = PurchaseSuggestionFactory(
        store=store, product=extra, for_date=timezone.localdate(), quantity=12
    )
    objs.assortment = AssortmentSuggestion.objects.create(
        store=store,
        product=new,
        action=AssortmentSuggestion.Action.ADD,
        rank=1,
        reason={
            "similar_stores": 5,
            "carrying": 4,
            "median_weekly_units_there": 6.0,
            "share_of_all_stores": 0.4,
        },
    )
    AssortmentSuggestion.objects.create(
        store=store,
        product=extra,
        action=AssortmentSuggestion.Action.DROP,
        rank=1,
        reason={
            "similar_stores": 5,
            "carrying": 1,
            "median_weekly_units_there": 0.5,
            "share_of_all_stores": 0.1,
            "weekly_units_here": 0.0,
            "units_recent": 0,
            "recent_weeks": 8,
        },
    )
    objs.shopper_orders = _shopper_orders(store, product, shopper)
    return objs


@dataclass
class World:
    alice: Tenant
    bob: Tenant
    carol: Tenant
    sam: Actor
    tess: Actor
    wms: Actor  # the shared warehouse's system
    other_wms: Actor  # another warehouse's system
    anon: APIClient
    a: StoreObjects  # Alice's store
    b: StoreObjects  # Bob's store
    baseline: dict[str, Any] = field(default_factory=dict)  # checks.snapshot() once built


def _tenant(
    username: str, phone: str, store: Store | None, role: str, **store_fields: Any
) -> Tenant:
    """Like tests/conftest.py's fixtures, for a world built once per module."""
    user: Any = UserFactory(username=username, phone=phone)
    store = store or StoreFactory.create(**store_fields)
    MembershipFactory(user=user, store=store, role=role)
    client = APIClient()
    client.force_authenticate(user=user)
    return Tenant(user, store, client)


def build_world() -> World:
    """Alice (owner) and Carol (clerk) of one store, Bob of another, as in tests/conftest.py."""
    warehouse = WarehouseFactory()
    Role = StoreMembership.Role
    alice = _tenant(
        "alice",
        "13800000001",
        None,
        Role.OWNER,
        code="alice-store",
        name="爱丽丝便利店",
        warehouse=warehouse,
    )
    bob = _tenant(
        "bob",
        "13800000002",
        None,
        Role.OWNER,
        code="bob-store",
        name="鲍勃便利店",
        warehouse=warehouse,
    )
    carol = _tenant("carol", "13800000003", alice.store, Role.CLERK)

    def shopper(name: str, phone: str) -> Actor:
        user = UserFactory(username=name, phone=phone)
        ShopperProfileFactory(user=user)
        ShopperAddressFactory(shopper=user, label=f"{MARK[name]} office")
        return actor(user, name, ShopperAddressFactory(shopper=user, label=MARK[name]))

    sam, tess = shopper("sam", "13900000011"), shopper("tess", "13900000012")
    wms_account = WarehouseAccountFactory(warehouse=warehouse)
    other_account = WarehouseAccountFactory()
    a = build_store(alice.user, alice.store, warehouse, MARK["alice"], sam)
    b = build_store(bob.user, bob.store, warehouse, MARK["bob"], tess)
    return World(
        alice=alice,
        bob=bob,
        carol=carol,
        sam=sam,
        tess=tess,
        wms=actor(wms_account.user, "wms", wms_account),
        other_wms=actor(other_account.user, "other_wms", other_account),
        anon=APIClient(),
        a=a,
        b=b,
    )
