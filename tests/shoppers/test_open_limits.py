"""One shopper cannot tie up a store's stock (issue 21, item 4): at most SHOPPER_MAX_OPEN_ORDERS
orders in progress and SHOPPER_MAX_OPEN_UNITS units in them; finished orders free the room."""

from __future__ import annotations

from typing import Any

import pytest

from shoppers.models import ShopperOrder
from shoppers.services import order_cancel
from stores.models import StockLevel
from tests.shoppers.helpers import order_body

pytestmark = pytest.mark.django_db


def test_open_orders_are_capped(shop, stocked, sam, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHOPPER_MAX_OPEN_ORDERS = 2
    product = stocked(on_hand=50, price="30.00")
    placed = [
        sam.client.post("/api/v1/shopper/orders/", order_body(shop, (product, 1))) for _ in range(3)
    ]
    assert [r.status_code for r in placed] == [201, 201, 409]
    assert placed[2].json()["code"] == "too_many_open_orders"
    assert StockLevel.objects.get(store=shop, product=product).reserved == 2
    # A finished order frees its place.
    order_cancel(order=ShopperOrder.objects.get(pk=placed[0].json()["id"]), user=sam.user)
    again = sam.client.post("/api/v1/shopper/orders/", order_body(shop, (product, 1)))
    assert again.status_code == 201


def test_units_in_open_orders_are_capped(shop, stocked, sam, tess, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHOPPER_MAX_OPEN_UNITS = 100
    a, b = stocked(on_hand=500), stocked(on_hand=500)
    first = sam.client.post("/api/v1/shopper/orders/", order_body(shop, (a, 99)))
    assert first.status_code == 201
    over = sam.client.post("/api/v1/shopper/orders/", order_body(shop, (b, 2)))
    assert over.status_code == 409
    body: dict[str, Any] = over.json()
    assert body["code"] == "too_many_open_units" and body["fields"]["lines"]
    assert StockLevel.objects.get(store=shop, product=b).reserved == 0
    assert sam.client.post("/api/v1/shopper/orders/", order_body(shop, (b, 1))).status_code == 201
    # Another shopper has room of their own.
    assert tess.client.post("/api/v1/shopper/orders/", order_body(shop, (b, 99))).status_code == 201
