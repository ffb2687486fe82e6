"""A small chain for the API fuzzer, so generated path parameters sometimes hit real objects.

One warehouse with its service account; Alice owns a store open for shopper orders (Carol is
her clerk), Bob owns another one (the other tenant); Sam is a shopper with an address and two
orders at Alice's store. Each role gets a real JWT access token, sent as a Bearer header.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from recommendations.models import AssortmentSuggestion, ShelfPlan, ShelfPlanItem
from recommendations.services.shelf import shelf_layouts_seed
from replenishment.services import order_create_draft, order_submit
from shoppers.services import OrderLineSpec, order_accept, order_place
from stores.models import StockMovement, StoreMembership
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.recommendations.factories import PurchaseSuggestionFactory
from tests.replenishment.factories import (
    WarehouseAccountFactory,
    WarehouseFactory,
    WarehouseStockFactory,
)
from tests.shoppers.factories import ShopperAddressFactory, ShopperProfileFactory
from tests.stores.factories import FixtureFactory, MembershipFactory, StoreFactory, UserFactory

ROLES = ("owner", "clerk", "warehouse", "shopper", "anonymous")


@dataclass
class Seeded:
    """Real ids by path-parameter name (the first of each list is the owner's own object) and
    an `Authorization` header by role (none for the anonymous role)."""

    ids: dict[str, list[Any]] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def seed_chain() -> Seeded:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        return _seed()


def _seed() -> Seeded:
    warehouse = WarehouseFactory.create(min_order_value=Decimal("10.00"))
    wms = WarehouseAccountFactory.create(warehouse=warehouse)
    alice = UserFactory.create(username="fuzz-alice", phone="13810000001")
    bob = UserFactory.create(username="fuzz-bob", phone="13810000002")
    carol = UserFactory.create(username="fuzz-carol", phone="13810000003")
    sam = UserFactory.create(username="fuzz-sam", phone="13910000011")
    ShopperProfileFactory.create(user=sam, display_name="Sam")
    address = ShopperAddressFactory.create(shopper=sam)
    store = StoreFactory.create(
        warehouse=warehouse,
        accepts_online_orders=True,
        delivery_radius_km=Decimal("3.00"),
        delivery_fee=Decimal("5.00"),
        min_basket_value=Decimal("0.00"),
    )
    other = StoreFactory.create(warehouse=warehouse)
    MembershipFactory.create(user=alice, store=store, role=StoreMembership.Role.OWNER)
    MembershipFactory.create(user=carol, store=store, role=StoreMembership.Role.CLERK)
    MembershipFactory.create(user=bob, store=other, role=StoreMembership.Role.OWNER)

    category = CategoryFactory.create(code="fuzz-snacks")
    products = [
        ProductFactory.create(category=category, width_cm=Decimal("8.0"), depth_cm=Decimal("8.0"))
        for _ in range(4)
    ]
    for p in products:
        WarehouseStockFactory.create(warehouse=warehouse, product=p, on_hand=500)
    for s in (store, other):
        stock_apply(
            store=s,
            movements=[MovementSpec(p.pk, StockMovement.Kind.RECEIPT, 40) for p in products],
        )
    shelf = FixtureFactory.create(store=store, name="货架A", width_cm=100, levels=4, eye_level=3)
    other_shelf = FixtureFactory.create(store=other, name="货架B")
    shelf_layouts_seed(store_ids=[store.pk])
    _recommend_current_layout(shelf)

    draft = order_create_draft(store=store, lines=[(products[0].pk, 12)], user=alice)
    submitted = order_create_draft(store=store, lines=[(products[1].pk, 12)], user=alice)
    order_submit(order=submitted, user=alice)
    others_order = order_create_draft(store=other, lines=[(products[2].pk, 12)], user=bob)
    order_submit(order=others_order, user=bob)

    placed = order_place(
        shopper=sam,
        store_id=store.pk,
        lines=[OrderLineSpec(products[0].pk, 2)],
        fulfilment="pickup",
    )
    accepted = order_place(
        shopper=sam,
        store_id=store.pk,
        lines=[OrderLineSpec(products[1].pk, 1)],
        fulfilment="delivery",
        address_id=address.pk,
    )
    order_accept(order=accepted, estimated_at=timezone.now() + dt.timedelta(hours=1), user=alice)

    purchase = PurchaseSuggestionFactory.create(
        store=store, product=products[3], for_date=timezone.localdate()
    )
    assortment = AssortmentSuggestion.objects.create(
        store=store,
        product=products[2],
        rank=1,
        expected_weekly_units=Decimal("3.00"),
        reason={
            "similar_stores": 8,
            "carrying": 6,
            "median_weekly_units_there": 3.0,
            "share_of_all_stores": 0.75,
        },
    )
    return Seeded(
        ids={
            "store_id": [store.pk, other.pk],
            "fixture_id": [shelf.pk, other_shelf.pk],
            "product_id": [products[0].pk, products[3].pk],
            "ean": [products[0].barcode],
            "address_id": [address.pk],
            "replenishment_order_id": [draft.pk, submitted.pk, others_order.pk],
            "shopper_order_id": [placed.pk, accepted.pk],
            "purchase_suggestion_id": [purchase.pk],
            "assortment_suggestion_id": [assortment.pk],
        },
        headers={
            "owner": _bearer(alice),
            "clerk": _bearer(carol),
            "warehouse": _bearer(wms.user),
            "shopper": _bearer(sam),
            "anonymous": {},
        },
    )


def _recommend_current_layout(fixture: Any) -> None:
    """A recommended plan equal to the seeded current layout (the planner itself is tested
    elsewhere): enough for the shelf-plan endpoints to answer 200."""
    current = ShelfPlan.objects.get(fixture=fixture, source=ShelfPlan.Source.CURRENT)
    items = list(current.items.all())
    current.pk = None
    current.source = ShelfPlan.Source.RECOMMENDED
    current.save()
    for item in items:
        item.pk = None
        item.plan = current
    ShelfPlanItem.objects.bulk_create(items)
