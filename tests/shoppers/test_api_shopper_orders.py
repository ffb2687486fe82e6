"""The shopper's order endpoints: place (idempotent), list, detail, cancel; isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shoppers.models import ShopperOrder
from stores.models import StockLevel
from tests.shoppers.conftest import url
from tests.shoppers.factories import ShopperAddressFactory
from tests.shoppers.helpers import order_body, place

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_place_a_delivery_order(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=10, price="8.00")
    r = sam.client.post(
        url("shopper/orders/"),
        order_body(shop, (tea, 3), fulfilment="delivery", address=sam.address),
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert r.status_code == 201, r.data
    assert r.data["status"] == "placed"
    assert (r.data["subtotal"], r.data["delivery_fee"], r.data["total"]) == (
        "24.00",
        "5.00",
        "29.00",
    )
    assert r.data["store"]["id"] == shop.pk
    assert r.data["lines"][0]["quantity"] == 3
    assert r.data["delivery_address"] == sam.address.address
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 3


def test_validation_errors_name_the_field(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked()
    r = sam.client.post(url("shopper/orders/"), order_body(shop, (tea, 0)))
    assert r.status_code == 400
    assert "lines[0].quantity" in r.data["fields"]
    r = sam.client.post(url("shopper/orders/"), order_body(shop, (tea, 1), fulfilment="delivery"))
    assert (r.status_code, list(r.data["fields"])) == (400, ["address"])


def test_radius_and_minimum_basket_errors(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(price="8.00")
    far = ShopperAddressFactory(shopper=sam.user, latitude=Decimal("30.320000"))
    r = sam.client.post(
        url("shopper/orders/"), order_body(shop, (tea, 3), fulfilment="delivery", address=far)
    )
    assert (r.status_code, r.data["code"]) == (400, "out_of_delivery_radius")
    assert "address" in r.data["fields"]
    r = sam.client.post(
        url("shopper/orders/"),
        order_body(shop, (tea, 1), fulfilment="delivery", address=sam.address),
    )
    assert (r.status_code, r.data["code"]) == (400, "below_minimum_basket")
    assert "lines" in r.data["fields"]
    # Someone else's address is unknown, like a missing one.
    theirs = ShopperAddressFactory()
    r = sam.client.post(
        url("shopper/orders/"), order_body(shop, (tea, 3), fulfilment="delivery", address=theirs)
    )
    assert (r.status_code, list(r.data["fields"])) == (400, ["address"])


def test_insufficient_stock_is_409_with_available(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=2)
    r = sam.client.post(url("shopper/orders/"), order_body(shop, (tea, 5)))
    assert (r.status_code, r.data["code"]) == (409, "insufficient_stock")
    assert r.data["fields"]["shortfall"] == [
        {"line": 0, "product": tea.pk, "requested": 5, "available": 2}
    ]


def test_same_key_twice_places_one_order_and_another_body_is_422(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=10)
    body = order_body(shop, (tea, 2))
    first = sam.client.post(url("shopper/orders/"), body, HTTP_IDEMPOTENCY_KEY="same")
    again = sam.client.post(url("shopper/orders/"), body, HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.data["id"] == first.data["id"]
    assert ShopperOrder.objects.count() == 1
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 2
    other = sam.client.post(
        url("shopper/orders/"), order_body(shop, (tea, 3)), HTTP_IDEMPOTENCY_KEY="same"
    )
    assert (other.status_code, other.data["code"]) == (422, "idempotency_key_reused")


def test_a_shopper_never_sees_another_shoppers_orders(shop, stocked, sam, tess) -> None:  # type: ignore[no-untyped-def]
    tea = stocked()
    theirs = place(tess, shop, (tea, 1))
    mine = place(sam, shop, (tea, 1))
    r = sam.client.get(url("shopper/orders/"))
    assert [o["id"] for o in r.data["results"]] == [mine.pk]
    assert sam.client.get(url(f"shopper/orders/{theirs.pk}/")).status_code == 404
    assert sam.client.post(url(f"shopper/orders/{theirs.pk}/cancel/"), {}).status_code == 404
    assert sam.client.get(url(f"shopper/orders/{mine.pk}/")).status_code == 200


def test_list_query_count_is_constant(shop, stocked, sam, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    products = [stocked() for _ in range(3)]
    for p in products:
        place(sam, shop, (p, 1), (products[0], 1) if p != products[0] else (products[1], 1))
    # session-less auth; profile check, count, orders (+store, shopper), lines (+product)
    with django_assert_num_queries(4):
        r = sam.client.get(url("shopper/orders/"))
    assert r.data["count"] == 3
    assert sam.client.get(url("shopper/orders/?status=nope")).status_code == 400


def test_cancel_before_acceptance_releases_stock(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=5)
    order = place(sam, shop, (tea, 4))
    r = sam.client.post(url(f"shopper/orders/{order.pk}/cancel/"), {"reason": "changed my mind"})
    assert (r.status_code, r.data["status"]) == (200, "cancelled")
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 0
    again = sam.client.post(url(f"shopper/orders/{order.pk}/cancel/"), {})
    assert (again.status_code, again.data["code"]) == (409, "illegal_transition")


def test_cannot_cancel_after_acceptance(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    tea = stocked()
    order = place(sam, shop, (tea, 1))
    alice.client.post(
        url(f"stores/{shop.pk}/shopper-orders/{order.pk}/accept/"),
        {"estimated_at": "2099-01-01T10:00:00+08:00"},
    )
    r = sam.client.post(url(f"shopper/orders/{order.pk}/cancel/"), {})
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")


def test_store_accounts_are_not_shoppers(shop, alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url("shopper/orders/"))
    assert (r.status_code, r.data["code"]) == (403, "not_a_shopper")


def test_anonymous_is_401(anon) -> None:  # type: ignore[no-untyped-def]
    assert anon.get(url("shopper/orders/")).status_code == 401


def test_browse_a_store_shows_free_stock_only(shop, stocked, sam, anon) -> None:  # type: ignore[no-untyped-def]
    tea, milk, _gone = stocked(on_hand=3), stocked(on_hand=2), stocked(on_hand=0)
    place(sam, shop, (milk, 2))
    r = anon.get(url(f"shopper/stores/{shop.pk}/products/"))
    assert r.status_code == 200
    assert [(p["product"], p["max_quantity"]) for p in r.data["results"]] == [(tea.pk, 3)]
    terms = anon.get(url(f"shopper/stores/{shop.pk}/"))
    assert (terms.data["delivery_fee"], terms.data["min_basket_value"]) == ("5.00", "20.00")
    assert anon.get(url("shopper/stores/999999/products/")).status_code == 404


def test_a_store_without_online_orders_shows_no_stock(shop, stocked, anon) -> None:  # type: ignore[no-untyped-def]
    """Its range and its counts are nobody else's business: an empty list, like a sold-out shop."""
    stocked(on_hand=7)
    shop.accepts_online_orders = False
    shop.save()
    r = anon.get(url(f"shopper/stores/{shop.pk}/products/"))
    assert (r.status_code, r.data["count"], r.data["results"]) == (200, 0, [])
    assert anon.get(url(f"shopper/stores/{shop.pk}/")).data["accepts_online_orders"] is False
