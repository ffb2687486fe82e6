"""The objects the matrix points its path parameters at.

Alice's and Bob's stores share a warehouse and hold every kind of store-owned object in the
state its endpoint acts on (a draft to submit, a delivered order to receive, a placed shopper
order to accept...). Sam and Tess are shoppers with orders at both stores; two warehouse service
accounts serve the shared warehouse and another one. Names carry a marker (ALICE-PRIVATE...) so an
answer that leaks another tenant's rows is caught by a plain text search.
"""

from __future__ import annotations

import datetime as dt
import uuid
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

from .routes import Route

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
    product, extra, new = (ProductFactory(case_pack=6) for _ in range(3))
    for p in (product, extra, new):
        WarehouseStockFactory(
            warehouse=warehouse, product=p, on_hand=1000, unit_cost=Decimal("10.00")
        )
    stock_apply(
        store=store,
        movements=[MovementSpec(p.pk, StockMovement.Kind.RECEIPT, 100) for p in (product, extra)],
    )
    fixture = FixtureFactory(store=store, name=f"{marker} shelf", width_cm=120)
    _shelf(store, fixture, product, owner)
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

    def kwargs(
        self, route: Route, objs: StoreObjects | None = None, shopper: str = "sam"
    ) -> dict[str, int]:
        """Path parameters of `route` pointing at `objs`' objects (Alice's by default), or at the
        given shopper's objects on shopper routes."""
        o = objs or self.a
        so = o.shopper_orders
        own = (self.b if shopper == "tess" else self.a).shopper_orders
        order_for = {
            "store-order": o.orders[Status.DRAFT],
            "store-order-quote": o.orders[Status.DRAFT],
            "store-order-submit": o.orders[Status.DRAFT],
            "store-order-cancel": o.orders[Status.DRAFT],
            "store-order-receive": o.orders[Status.DELIVERED],
            "warehouse-order": o.orders[Status.SUBMITTED],
            "warehouse-order-confirm": o.orders[Status.SUBMITTED],
            "warehouse-order-reject": o.orders[Status.SUBMITTED],
            "warehouse-order-pick": o.orders[Status.CONFIRMED],
            "warehouse-order-ship": o.orders[Status.PICKING],
            "warehouse-order-deliver": o.orders[Status.SHIPPED],
            "store-shopper-order-detail": so["placed"],
            "store-shopper-order-accept": so["placed"],
            "store-shopper-order-decline": so["placed"],
            "store-shopper-order-ready": so["accepted"],
            "store-shopper-order-out-for-delivery": so["ready_delivery"],
            "store-shopper-order-delivered": so["out_for_delivery"],
            "store-shopper-order-picked-up": so["ready_pickup"],
            "shopper-order-detail": own["placed"],
            "shopper-order-cancel": own["placed"],
        }
        suggestion_for = {
            "purchase-suggestion-dismiss": o.suggestion,
            "assortment-accept": o.assortment,
            "assortment-dismiss": o.assortment,
        }
        values = {
            "store_id": lambda: o.store.pk,
            "fixture_id": lambda: o.fixture.pk,
            "product_id": lambda: o.product.pk,
            "order_id": lambda: order_for[route.name].pk,
            "suggestion_id": lambda: suggestion_for[route.name].pk,
            "address_id": lambda: (self.tess if shopper == "tess" else self.sam).extra.pk,
        }
        try:
            return {p: values[p]() for p in route.params}
        except KeyError as exc:
            raise AssertionError(
                f"{route.name}: no object for path parameter {exc}; add one in tests/security/world.py"
            ) from None

    def body(
        self, route: Route, method: str, objs: StoreObjects | None = None
    ) -> dict[str, Any] | None:
        """A valid body for the call (the owner's call must succeed with it)."""
        o = objs or self.a
        now = timezone.now()
        bodies: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("store-detail", "patch"): lambda: {"name": "新名字"},
            ("fixture-list", "post"): lambda: {"name": "新货架", "width_cm": 90},
            ("fixture-detail", "patch"): lambda: {"width_cm": 100},
            ("stock-count", "post"): lambda: {"product": o.product.pk, "counted": 7},
            ("stock-waste", "post"): lambda: {
                "product": o.product.pk,
                "quantity": 1,
                "note": "过期",
            },
            ("sales-receipts", "post"): lambda: {
                "receipts": [
                    {
                        "uuid": str(uuid.uuid4()),
                        "occurred_at": now.isoformat(),
                        "lines": [{"product": o.product.pk, "quantity": 1, "unit_price": "3.50"}],
                    }
                ]
            },
            ("store-orders", "post"): lambda: {
                "lines": [{"product": o.product.pk, "quantity": 12}]
            },
            ("store-order", "patch"): lambda: {"note": "改一下"},
            ("store-order-submit", "post"): dict,
            ("store-order-cancel", "post"): dict,
            ("store-order-receive", "post"): dict,
            ("purchase-suggestions-accept", "post"): lambda: {"lines": [{"id": o.suggestion.pk}]},
            ("purchase-suggestion-dismiss", "post"): lambda: {"reason": "不要"},
            ("purchase-settings", "put"): lambda: {"budget": "800.00"},
            ("shelf-layout", "put"): lambda: {
                "items": [{"product": o.product.pk, "level": 2, "facings": 1}]
            },
            ("assortment-accept", "post"): dict,
            ("assortment-dismiss", "post"): dict,
            ("store-shopper-order-accept", "post"): lambda: {
                "estimated_at": (now + dt.timedelta(hours=1)).isoformat()
            },
            ("store-shopper-order-decline", "post"): lambda: {"reason": "售罄"},
            ("store-shopper-order-ready", "post"): dict,
            ("store-shopper-order-out-for-delivery", "post"): dict,
            ("store-shopper-order-delivered", "post"): dict,
            ("store-shopper-order-picked-up", "post"): dict,
            ("shopper-addresses", "post"): lambda: {
                "address": "文三路1号",
                "latitude": "30.280000",
                "longitude": "120.155100",
            },
            ("shopper-address-detail", "patch"): lambda: {"label": "公司"},
            ("shopper-orders", "post"): lambda: {
                "store": o.store.pk,
                "fulfilment": "pickup",
                "lines": [{"product": o.product.pk, "quantity": 1}],
            },
            ("shopper-order-cancel", "post"): dict,
            ("warehouse-orders-bulk-status", "post"): lambda: {
                "items": [{"order": o.orders[Status.SUBMITTED].pk, "action": "confirm"}]
            },
            ("warehouse-order-confirm", "post"): dict,
            ("warehouse-order-pick", "post"): dict,
            ("warehouse-order-ship", "post"): dict,
            ("warehouse-order-deliver", "post"): dict,
            ("warehouse-order-reject", "post"): lambda: {"reason": "没车了"},
        }
        if method in ("get", "delete"):
            return None
        if (route.name, method) not in bodies:
            raise AssertionError(
                f"{route.name} {method.upper()}: no request body; add a valid one in "
                "tests/security/world.py"
            )
        return bodies[(route.name, method)]()


def _tenant(
    username: str, phone: str, store: Store | None, role: str, **store_fields: Any
) -> Tenant:
    """Like tests/conftest.py's fixtures, for a world built once per module."""
    user = UserFactory(username=username, phone=phone)
    store = store or StoreFactory(**store_fields)
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
