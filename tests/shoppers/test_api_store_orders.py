"""The store's side: incoming orders, the state machine, completion as a sale, conflicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shoppers.models import ShopperOrder
from stores.models import DailySales, StockLevel, StockMovement
from stores.services import sales_ingest
from tests.shoppers.conftest import url
from tests.shoppers.helpers import place

pytestmark = pytest.mark.django_db
LATER = "2099-01-01T10:00:00+08:00"


def _post(tenant, store, order, action, body=None):  # type: ignore[no-untyped-def]
    return tenant.client.post(
        url(f"stores/{store.pk}/shopper-orders/{order.pk}/{action}/"), body or {}
    )


def _level(store, product) -> StockLevel:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(store=store, product=product)


@pytest.mark.smoke
def test_delivery_lifecycle_ends_in_the_ledger_and_daily_sales(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    tea, milk = stocked(on_hand=10, price="8.00"), stocked(on_hand=5, price="6.50")
    order = place(sam, shop, (tea, 2), (milk, 1), fulfilment="delivery")
    r = _post(alice, shop, order, "accept", {"estimated_at": LATER, "note": "30 min"})
    assert (r.status_code, r.data["status"]) == (200, "accepted")
    assert r.data["estimated_at"] is not None
    for action, status in [
        ("ready", "ready"),
        ("out-for-delivery", "out_for_delivery"),
        ("delivered", "delivered"),
    ]:
        r = _post(alice, shop, order, action)
        assert (r.status_code, r.data["status"]) == (200, status), r.data
    assert [e["to_status"] for e in r.data["events"]] == [
        "placed",
        "accepted",
        "ready",
        "out_for_delivery",
        "delivered",
    ]
    assert r.data["events"][1]["actor"] == "alice"
    assert (_level(shop, tea).on_hand, _level(shop, tea).reserved) == (8, 0)
    assert (_level(shop, milk).on_hand, _level(shop, milk).reserved) == (4, 0)
    sales = StockMovement.objects.filter(
        store=shop, kind="sale", reference=f"shopper-order:{order.pk}"
    )
    assert sorted(sales.values_list("product_id", "quantity")) == sorted(
        [(tea.pk, -2), (milk.pk, -1)]
    )
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    daily = {d.product_id: d for d in DailySales.objects.filter(store=shop, date=today)}
    assert (daily[tea.pk].units, daily[tea.pk].revenue) == (2, Decimal("16.00"))
    assert (daily[milk.pk].units, daily[milk.pk].revenue) == (1, Decimal("6.50"))


def test_pickup_completes_when_picked_up_and_adds_to_pos_sales(shop, stocked, sam, carol) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=10, price="8.00")
    sales_ingest(
        store=shop,
        receipts=[
            {
                "uuid": "6f1c0c3e-0000-4000-8000-000000000001",
                "occurred_at": timezone.now(),
                "lines": [{"product": tea.pk, "quantity": 1, "unit_price": Decimal("8.00")}],
            }
        ],
    )
    order = place(sam, shop, (tea, 3))
    assert _post(carol, shop, order, "accept", {"estimated_at": LATER}).status_code == 200
    assert _post(carol, shop, order, "ready").status_code == 200
    r = _post(carol, shop, order, "out-for-delivery")
    assert (r.status_code, r.data["code"]) == (409, "wrong_fulfilment")
    r = _post(carol, shop, order, "picked-up")
    assert (r.status_code, r.data["status"]) == (200, "picked_up")
    row = DailySales.objects.get(store=shop, product=tea)
    assert (row.units, row.revenue) == (4, Decimal("32.00"))
    assert (_level(shop, tea).on_hand, _level(shop, tea).reserved) == (6, 0)


def test_illegal_transitions_are_409(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 1))
    r = _post(alice, shop, order, "ready")
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")
    r = _post(alice, shop, order, "picked-up")
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")
    assert _post(alice, shop, order, "decline", {"reason": "closed today"}).status_code == 200
    r = _post(alice, shop, order, "accept", {"estimated_at": LATER})
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")


def test_decline_needs_a_reason_and_releases_stock(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=4)
    order = place(sam, shop, (tea, 4))
    r = _post(alice, shop, order, "decline", {})
    assert (r.status_code, list(r.data["fields"])) == (400, ["reason"])
    r = _post(alice, shop, order, "decline", {"reason": "售罄"})
    assert (r.status_code, r.data["decline_reason"]) == (200, "售罄")
    assert _level(shop, tea).reserved == 0
    assert sam.client.get(url(f"shopper/orders/{order.pk}/")).data["decline_reason"] == "售罄"


def test_accept_validation(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 1))
    assert _post(alice, shop, order, "accept", {}).status_code == 400
    r = _post(alice, shop, order, "accept", {"estimated_at": "2001-01-01T10:00:00+08:00"})
    assert (r.status_code, list(r.data["fields"])) == (400, ["estimated_at"])


def test_an_owner_never_sees_another_stores_orders(shop, stocked, sam, alice, bob) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 1))
    assert bob.client.get(url(f"stores/{shop.pk}/shopper-orders/")).status_code == 404
    assert bob.client.get(url(f"stores/{shop.pk}/shopper-orders/{order.pk}/")).status_code == 404
    # Bob's own store path with Alice's order id: 404 too.
    assert (
        bob.client.get(url(f"stores/{bob.store.pk}/shopper-orders/{order.pk}/")).status_code == 404
    )
    r = bob.client.post(
        url(f"stores/{bob.store.pk}/shopper-orders/{order.pk}/accept/"), {"estimated_at": LATER}
    )
    assert r.status_code == 404
    assert bob.client.get(url(f"stores/{bob.store.pk}/shopper-orders/")).data["count"] == 0
    assert ShopperOrder.objects.get(pk=order.pk).status == "placed"


def test_list_filters_and_query_count(
    shop, stocked, sam, tess, alice, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    tea, milk = stocked(), stocked()
    first = place(sam, shop, (tea, 1), (milk, 1))
    place(tess, shop, (tea, 2))
    place(sam, shop, (milk, 1))
    _post(alice, shop, first, "accept", {"estimated_at": LATER})
    # membership, count, orders (+store, shopper), lines (+product), stock levels
    with django_assert_num_queries(5):
        r = alice.client.get(url(f"stores/{shop.pk}/shopper-orders/"))
    assert r.data["count"] == 3
    r = alice.client.get(url(f"stores/{shop.pk}/shopper-orders/?status=accepted"))
    assert [o["id"] for o in r.data["results"]] == [first.pk]
    assert alice.client.get(url(f"stores/{shop.pk}/shopper-orders/?status=bad")).status_code == 400


def test_a_pos_sale_never_fails_and_the_owner_sees_the_conflict(
    shop, stocked, sam, tess, alice
) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=5, price="8.00")
    early = place(sam, shop, (tea, 2))
    late = place(tess, shop, (tea, 3))
    _post(alice, shop, late, "accept", {"estimated_at": LATER})
    # A walk-in customer buys 2 of the 5 units, all of them reserved: the till must not fail.
    result = sales_ingest(
        store=shop,
        receipts=[
            {
                "uuid": "6f1c0c3e-0000-4000-8000-000000000002",
                "occurred_at": timezone.now(),
                "lines": [{"product": tea.pk, "quantity": 2, "unit_price": Decimal("8.00")}],
            }
        ],
    )
    assert result.accepted == 1
    assert (_level(shop, tea).on_hand, _level(shop, tea).reserved) == (3, 5)
    # The accepted order keeps its units; the one still waiting is 2 short.
    r = alice.client.get(url(f"stores/{shop.pk}/shopper-orders/?conflict=true"))
    assert [o["id"] for o in r.data["results"]] == [early.pk]
    assert r.data["results"][0]["stock_conflict"] is True
    assert r.data["results"][0]["lines"][0]["short"] == 2
    detail = alice.client.get(url(f"stores/{shop.pk}/shopper-orders/{late.pk}/")).data
    assert (detail["stock_conflict"], detail["lines"][0]["short"]) == (False, 0)
    stock = alice.client.get(url(f"stores/{shop.pk}/stock/")).data["results"][0]
    assert (stock["on_hand"], stock["reserved"]) == (3, 5)
    # Nothing more is offered to shoppers.
    assert sam.client.get(url(f"shopper/stores/{shop.pk}/products/")).data["count"] == 0
    # The owner declines the short order: the conflict is gone.
    _post(alice, shop, early, "decline", {"reason": "sold out"})
    assert (
        alice.client.get(url(f"stores/{shop.pk}/shopper-orders/?conflict=true")).data["count"] == 0
    )
    assert (_level(shop, tea).on_hand, _level(shop, tea).reserved) == (3, 3)


def test_clerk_handles_orders(shop, stocked, sam, carol) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 1))
    assert carol.client.get(url(f"stores/{shop.pk}/shopper-orders/")).data["count"] == 1
    assert _post(carol, shop, order, "decline", {"reason": "closing"}).status_code == 200
