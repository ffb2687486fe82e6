"""Fixtures for orders: stocked products in the shared warehouse and its service account."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from tests.catalog.factories import ProductFactory
from tests.replenishment.factories import WarehouseAccountFactory, WarehouseStockFactory

StockedFactory = Callable[..., Product]


@pytest.fixture
def stocked(warehouse) -> StockedFactory:  # type: ignore[no-untyped-def]
    """`stocked(on_hand=.., case_pack=.., unit_cost=..)` -> a product the warehouse stocks."""

    def make(
        on_hand: int = 120,
        case_pack: int = 6,
        unit_cost: str | Decimal = "10.00",
        reserved: int = 0,
    ) -> Product:
        product = ProductFactory.create(case_pack=case_pack)
        WarehouseStockFactory.create(
            warehouse=warehouse,
            product=product,
            on_hand=on_hand,
            reserved=reserved,
            unit_cost=Decimal(unit_cost),
        )
        return product

    return make


@pytest.fixture
def wms(warehouse):  # type: ignore[no-untyped-def]
    """The shared warehouse's system: a service account with an API client."""
    account = WarehouseAccountFactory.create(warehouse=warehouse)
    client = APIClient()
    client.force_authenticate(user=account.user)
    account.client = client
    return account


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # Users are created per test (alice, bob, service accounts); PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
