"""Fixtures for shopper tests: Alice's store takes online orders (3 km, fee 5.00, minimum
20.00), stocked products, and two shoppers (Sam and Tess) with API clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Product
from stores.models import StockMovement
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import ProductFactory
from tests.shoppers.factories import ShopperAddressFactory, ShopperProfileFactory
from tests.stores.factories import UserFactory


@dataclass
class Shopper:
    user: Any
    client: APIClient
    address: Any  # within Alice's delivery radius


def url(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(alice):  # type: ignore[no-untyped-def]
    """Alice's store, open for shopper orders."""
    store = alice.store
    store.accepts_online_orders = True
    store.delivery_radius_km = Decimal("3.00")
    store.delivery_fee = Decimal("5.00")
    store.min_basket_value = Decimal("20.00")
    store.save()
    return store


StockedFactory = Callable[..., Product]


@pytest.fixture
def stocked(shop) -> StockedFactory:  # type: ignore[no-untyped-def]
    """`stocked(on_hand=10, price="8.00", store=shop)` -> a product with stock in the store."""

    def make(on_hand: int = 10, price: str = "8.00", store: Any = None) -> Product:
        product = ProductFactory.create(retail_price=Decimal(price))
        if on_hand:
            stock_apply(
                store=store or shop,
                movements=[MovementSpec(product.pk, StockMovement.Kind.RECEIPT, on_hand)],
            )
        return product

    return make


def _shopper(username: str, phone: str) -> Shopper:
    user = UserFactory.create(username=username, phone=phone)
    ShopperProfileFactory.create(user=user)
    client = APIClient()
    client.force_authenticate(user=user)
    return Shopper(user, client, ShopperAddressFactory.create(shopper=user))


@pytest.fixture
def sam(db) -> Shopper:  # type: ignore[no-untyped-def]
    return _shopper("sam", "13900000011")


@pytest.fixture
def tess(db) -> Shopper:  # type: ignore[no-untyped-def]
    return _shopper("tess", "13900000012")
