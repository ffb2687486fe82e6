"""Placing an order: prices, delivery radius, minimum basket, stock reservation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lst.errors import Conflict, NotFound, ValidationFailed
from shoppers.models import ShopperOrder
from shoppers.services import OrderLineSpec, order_place
from stores.models import StockLevel
from tests.shoppers.factories import ShopperAddressFactory

pytestmark = pytest.mark.django_db


def _level(store, product) -> StockLevel:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(store=store, product=product)


def test_delivery_order_reserves_stock_at_retail_prices(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea, milk = stocked(on_hand=10, price="8.00"), stocked(on_hand=4, price="6.50")
    order = order_place(
        shopper=sam.user,
        store_id=shop.pk,
        lines=[OrderLineSpec(tea.pk, 2), OrderLineSpec(milk.pk, 1)],
        fulfilment="delivery",
        address_id=sam.address.pk,
    )
    assert order.status == ShopperOrder.Status.PLACED
    assert (order.subtotal, order.delivery_fee, order.total) == (
        Decimal("22.50"),
        Decimal("5.00"),
        Decimal("27.50"),
    )
    assert order.distance_m is not None
    assert 1000 < order.distance_m < 1200
    assert (_level(shop, tea).on_hand, _level(shop, tea).reserved) == (10, 2)
    assert (_level(shop, milk).on_hand, _level(shop, milk).reserved) == (4, 1)
    assert list(order.events.values_list("to_status", flat=True)) == ["placed"]


def test_pickup_has_no_fee_and_no_minimum(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(price="3.00")
    order = order_place(
        shopper=sam.user, store_id=shop.pk, lines=[OrderLineSpec(tea.pk, 1)], fulfilment="pickup"
    )
    assert (order.subtotal, order.delivery_fee, order.total) == (
        Decimal("3.00"),
        Decimal("0.00"),
        Decimal("3.00"),
    )


def test_out_of_delivery_radius_names_the_address(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked()
    far = ShopperAddressFactory.create(
        shopper=sam.user, latitude=Decimal("30.320000")
    )  # ~5 km north
    with pytest.raises(ValidationFailed) as exc:
        order_place(
            shopper=sam.user,
            store_id=shop.pk,
            lines=[OrderLineSpec(tea.pk, 3)],
            fulfilment="delivery",
            address_id=far.pk,
        )
    assert exc.value.code == "out_of_delivery_radius"
    assert "address" in exc.value.fields
    assert _level(shop, tea).reserved == 0


def test_below_minimum_basket_for_delivery(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(price="8.00")
    with pytest.raises(ValidationFailed) as exc:
        order_place(
            shopper=sam.user,
            store_id=shop.pk,
            lines=[OrderLineSpec(tea.pk, 2)],  # 16.00 < 20.00
            fulfilment="delivery",
            address_id=sam.address.pk,
        )
    assert exc.value.code == "below_minimum_basket"
    assert "lines" in exc.value.fields
    assert _level(shop, tea).reserved == 0


def test_insufficient_stock_reports_available_per_line(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea, milk = stocked(on_hand=10), stocked(on_hand=2)
    with pytest.raises(Conflict) as exc:
        order_place(
            shopper=sam.user,
            store_id=shop.pk,
            lines=[OrderLineSpec(tea.pk, 3), OrderLineSpec(milk.pk, 5)],
            fulfilment="pickup",
        )
    assert exc.value.code == "insufficient_stock"
    assert exc.value.fields["shortfall"] == [
        {"line": 1, "product": milk.pk, "requested": 5, "available": 2}
    ]
    assert "lines[1].quantity" in exc.value.fields
    assert _level(shop, tea).reserved == 0  # all or nothing


def test_reserved_units_are_not_offered_twice(shop, stocked, sam, tess) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=5)
    order_place(
        shopper=sam.user, store_id=shop.pk, lines=[OrderLineSpec(tea.pk, 4)], fulfilment="pickup"
    )
    with pytest.raises(Conflict) as exc:
        order_place(
            shopper=tess.user,
            store_id=shop.pk,
            lines=[OrderLineSpec(tea.pk, 2)],
            fulfilment="pickup",
        )
    assert exc.value.fields["shortfall"][0]["available"] == 1


def test_a_store_not_taking_orders_or_not_active(shop, stocked, sam, bob) -> None:  # type: ignore[no-untyped-def]
    tea = stocked()
    with pytest.raises(Conflict) as exc:
        order_place(
            shopper=sam.user,
            store_id=bob.store.pk,
            lines=[OrderLineSpec(tea.pk, 1)],
            fulfilment="pickup",
        )
    assert exc.value.code == "store_not_accepting_orders"
    shop.status = shop.Status.SUSPENDED
    shop.save()
    with pytest.raises(NotFound):
        order_place(
            shopper=sam.user,
            store_id=shop.pk,
            lines=[OrderLineSpec(tea.pk, 1)],
            fulfilment="pickup",
        )
