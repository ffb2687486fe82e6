"""Hostile values in otherwise well-formed bodies (issue 21, items 4 and 5): date-times at the
edge of the calendar, counts dated outside a sane window, fractional ids, oversized lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from stores.models import StockMovement
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

EDGES = ["0001-01-01T00:00:00", "0001-01-01T00:05:00", "9999-12-31T23:59:59+00:00"]
EDGES_NAIVE_FAR = ["9999-12-31T23:59:59-10:00"]


@pytest.fixture
def product(alice: Any) -> Any:
    p = ProductFactory.create()
    stock_apply(store=alice.store, movements=[MovementSpec(p.pk, StockMovement.Kind.RECEIPT, 10)])
    return p


def _fields(r: Any) -> list[str]:
    assert r.status_code == 400, (r.status_code, r.content)
    return list(r.json()["fields"])


@pytest.mark.parametrize("value", EDGES + EDGES_NAIVE_FAR)
def test_counted_at_at_the_calendars_edge_is_a_400(alice: Any, product: Any, value: str) -> None:
    r = alice.client.post(
        f"/api/v1/stores/{alice.store.pk}/stock/counts/",
        {"product": product.pk, "counted": 3, "counted_at": value},
    )
    assert _fields(r) == ["counted_at"]
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.COUNT_CORRECTION).exists()


@pytest.mark.parametrize(("days", "ok"), [(6, True), (8, False), (-1, False)])
def test_a_count_is_dated_within_pos_max_age_days(
    alice: Any, product: Any, days: int, ok: bool
) -> None:
    when = timezone.now() - dt.timedelta(days=days)
    r = alice.client.post(
        f"/api/v1/stores/{alice.store.pk}/stock/counts/",
        {"product": product.pk, "counted": 3, "counted_at": when.isoformat()},
    )
    if ok:
        assert r.status_code == 201, r.content
    else:
        assert _fields(r) == ["counted_at"]


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", EDGES)
def test_movement_filters_at_the_calendars_edge_are_a_400(
    alice: Any, product: Any, name: str, value: str
) -> None:
    url = f"/api/v1/stores/{alice.store.pk}/stock/{product.pk}/movements/"
    assert _fields(alice.client.get(url, {name: value})) == [name]


@pytest.mark.parametrize("value", EDGES)
def test_receipt_times_at_the_calendars_edge_are_a_400(
    alice: Any, product: Any, value: str
) -> None:
    body = {
        "receipts": [
            {
                "uuid": "6c0b6f7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                "occurred_at": value,
                "lines": [{"product": product.pk, "quantity": 1, "unit_price": "3.00"}],
            }
        ]
    }
    r = alice.client.post(f"/api/v1/stores/{alice.store.pk}/sales/receipts/", body)
    assert _fields(r) == ["receipts[0].occurred_at"]


@pytest.mark.parametrize("raw", [3.9, "3.9", 1e300, True])
@pytest.mark.parametrize("route", ["counts", "waste"])
def test_a_fractional_product_id_is_not_truncated(
    alice: Any, product: Any, raw: Any, route: str
) -> None:
    # Product 3 exists: a truncated 3.9 would write to it.
    body: dict[str, Any] = {"product": raw}
    body.update({"counted": 1} if route == "counts" else {"quantity": 1})
    r = alice.client.post(f"/api/v1/stores/{alice.store.pk}/stock/{route}/", body)
    assert _fields(r) == ["product"]
    assert StockMovement.objects.count() == 1  # the fixture's receipt only


def test_an_oversized_order_is_refused_before_its_lines_are_validated(alice: Any) -> None:
    """50,000 lines of junk: one error about the list's length and none about its elements
    (which validating them first would give, after seconds of CPU)."""
    junk = [{"product": "x" * 50, "quantity": "y"}] * 50_000
    r = alice.client.post(f"/api/v1/stores/{alice.store.pk}/orders/", {"lines": junk})
    assert _fields(r) == ["lines"]
    assert "500" in r.json()["fields"]["lines"][0]


def test_an_oversized_shopper_order_is_refused_before_its_lines_are_validated(
    alice: Any,
) -> None:
    from shoppers.models import ShopperProfile

    ShopperProfile.objects.create(user=alice.user)
    junk = [{"product": "x", "quantity": "y"}] * 5_000
    body = {"store": alice.store.pk, "fulfilment": "pickup", "lines": junk}
    r = alice.client.post("/api/v1/shopper/orders/", body)
    assert _fields(r) == ["lines"]
