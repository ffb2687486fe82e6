"""A territory tree with two regions, field agents at each level and one store's worth of every
admin model in each district, so isolation can be checked model by model.

    east (region, manager)          west (region)
      hz (city)                       sz (city)
        hz-a (district, agent)          sz-a (district, outsider)
        hz-b (district)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lst.models import User
from recommendations.models import (
    AssortmentSuggestion,
    ModelVersion,
    PurchaseSuggestion,
    ShelfPlan,
    TrainingRun,
)
from replenishment.models import OrderEvent, ReplenishmentOrder
from shoppers.models import ShopperOrder, ShopperOrderEvent
from stores.admin_roles import field_agent_group
from stores.models import (
    DailySales,
    PosReceipt,
    StockMovement,
    StockOut,
    Store,
    StoreMembership,
    Territory,
)
from stores.services import MovementSpec, stock_apply, stock_count
from tests.catalog.factories import ProductFactory
from tests.replenishment.factories import WarehouseFactory
from tests.stores.factories import (
    FixtureFactory,
    MembershipFactory,
    StoreFactory,
    TerritoryFactory,
    UserFactory,
)


@dataclass
class StoreWorld:
    """One store and one object of each store-scoped admin model, keyed by model label."""

    store: Store
    objects: dict[str, Any] = field(default_factory=dict)


def staff(username: str, *territories: Territory, superuser: bool = False) -> User:
    user = UserFactory.create(username=username, is_staff=True, is_superuser=superuser)
    if not superuser:
        user.groups.add(field_agent_group())
    for t in territories:
        t.field_agents.add(user)
    return user


def catalogue_editor(username: str = "catalogue-editor") -> User:
    """Staff who keep the chain's catalogue: the product permissions, no territory, not in the
    field agents' group (which may only read products)."""
    from django.contrib.auth.models import Permission

    user = UserFactory.create(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="catalog",
            codename__in=["view_product", "add_product", "change_product", "view_category"],
        )
    )
    return user


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build_store(code: str, territory: Territory, warehouse: Any, product: Any) -> StoreWorld:
    store = StoreFactory.create(
        code=code, name=f"店 {code}", territory=territory, warehouse=warehouse
    )
    owner = UserFactory.create(username=f"owner-{code}")
    membership = MembershipFactory.create(user=owner, store=store, role=StoreMembership.Role.OWNER)
    fixture = FixtureFactory.create(store=store, name=f"shelf-{code}")
    stock_apply(store=store, movements=[MovementSpec(product.pk, "receipt", 12)])
    level = stock_count(store=store, product_id=product.pk, counted=10)
    movement = StockMovement.objects.filter(store=store).first()
    stockout = StockOut.objects.create(
        store=store,
        product=product,
        started_at=timezone.now() - dt.timedelta(days=3),
        ended_at=timezone.now() - dt.timedelta(days=2),
    )
    now = timezone.now()
    receipt = PosReceipt.objects.create(
        store=store, occurred_at=now, local_date=now.date(), total=Decimal("7.00")
    )
    sales = DailySales.objects.create(
        store=store, product=product, date=now.date(), units=2, revenue=Decimal("7.00")
    )
    order = ReplenishmentOrder.objects.create(
        store=store,
        warehouse=warehouse,
        status=ReplenishmentOrder.Status.SUBMITTED,
        submitted_at=now,
        total=Decimal("12.00"),
    )
    event = OrderEvent.objects.create(order=order, from_status="draft", to_status="submitted")
    suggestion = PurchaseSuggestion.objects.create(
        store=store, product=product, for_date=now.date(), quantity=6
    )
    assortment = AssortmentSuggestion.objects.create(store=store, product=product, score=0.5)
    plan = ShelfPlan.objects.create(store=store, fixture=fixture)
    shopper_order = ShopperOrder.objects.create(
        shopper=UserFactory.create(username=f"shopper-{code}"),
        store=store,
        fulfilment=ShopperOrder.Fulfilment.PICKUP,
        subtotal=Decimal("7.00"),
        total=Decimal("7.00"),
        placed_at=now,
        expires_at=now + dt.timedelta(minutes=15),
    )
    shopper_event = ShopperOrderEvent.objects.create(
        order=shopper_order, from_status="", to_status="placed"
    )
    return StoreWorld(
        store,
        {
            "stores.store": store,
            "stores.territory": territory,
            "stores.storemembership": membership,
            "stores.fixture": fixture,
            "stores.stocklevel": level,
            "stores.stockmovement": movement,
            "stores.stockout": stockout,
            "stores.posreceipt": receipt,
            "stores.dailysales": sales,
            "replenishment.replenishmentorder": order,
            "replenishment.orderevent": event,
            "recommendations.purchasesuggestion": suggestion,
            "recommendations.assortmentsuggestion": assortment,
            "recommendations.shelfplan": plan,
            "shoppers.shopperorder": shopper_order,
            "shoppers.shopperorderevent": shopper_event,
            "lst.user": owner,
        },
    )


@dataclass
class Territories:
    east: Territory
    hz: Territory
    hz_a: Territory
    hz_b: Territory
    west: Territory
    sz_a: Territory
    home: StoreWorld  # in hz-a
    sibling: StoreWorld  # in hz-b (same city, other district)
    foreign: StoreWorld  # in sz-a (other region)
    agent: User  # hz-a
    manager: User  # east
    outsider: User  # sz-a
    admin: User
    product: Any
    warehouse: Any


@pytest.fixture
def world(db) -> Territories:  # type: ignore[no-untyped-def]
    east = TerritoryFactory.create(code="east", name="华东", kind=Territory.Kind.REGION)
    hz = TerritoryFactory.create(code="hz", name="杭州", kind=Territory.Kind.CITY, parent=east)
    hz_a = TerritoryFactory.create(code="hz-a", name="西湖区", parent=hz)
    hz_b = TerritoryFactory.create(code="hz-b", name="上城区", parent=hz)
    west = TerritoryFactory.create(code="west", name="华南", kind=Territory.Kind.REGION)
    sz = TerritoryFactory.create(code="sz", name="深圳", kind=Territory.Kind.CITY, parent=west)
    sz_a = TerritoryFactory.create(code="sz-a", name="南山区", parent=sz)
    warehouse = WarehouseFactory.create(code="wh-east")
    product = ProductFactory.create(sku="SKU-COLA")
    return Territories(
        east=east,
        hz=hz,
        hz_a=hz_a,
        hz_b=hz_b,
        west=west,
        sz_a=sz_a,
        home=build_store("hz-a-1", hz_a, warehouse, product),
        sibling=build_store("hz-b-1", hz_b, warehouse, product),
        foreign=build_store("sz-a-1", sz_a, warehouse, product),
        agent=staff("agent-hz-a", hz_a),
        manager=staff("manager-east", east),
        outsider=staff("agent-sz-a", sz_a),
        admin=staff("root", superuser=True),
        product=product,
        warehouse=warehouse,
    )


@pytest.fixture
def model_versions(db) -> list[ModelVersion]:  # type: ignore[no-untyped-def]
    now = timezone.now()
    out = []
    for v, status in ((1, "retired"), (2, "active"), (3, "rejected")):
        out.append(
            ModelVersion.objects.create(
                kind="forecast",
                version=v,
                status=status,
                trained_at=now - dt.timedelta(days=3 - v),
                metrics={
                    "backtest": {
                        "global": {
                            "name": "global",
                            "wrmsse": 0.7 + v / 100,
                            "mase": 0.8,
                            "mean_rmsse": 0.75,
                            "coverage90": 0.89,
                            "bias": 0.01,
                        },
                        "seasonal_naive": {
                            "name": "seasonal_naive",
                            "wrmsse": 0.95,
                            "mase": 1.0,
                            "mean_rmsse": 0.97,
                            "coverage90": 0.8,
                            "bias": 0.0,
                        },
                    }
                },
            )
        )
    TrainingRun.objects.create(
        kind="forecast", status="running", chunks_total=4, chunks_done=1, model_version=out[1]
    )
    return out


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
