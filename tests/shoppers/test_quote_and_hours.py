"""Opening hours hold for online orders (store-local time), and a basket can be quoted first:
priced, with every reason it could not be placed now, nothing reserved."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shoppers.models import ShopperOrder
from stores.models import StockLevel
from stores.opening_hours import is_open, next_opening
from tests.shoppers.conftest import url
from tests.shoppers.helpers import order_body

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY = {d: ["07:00-23:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("hours", "local", "open_"),
    [
        (EVERY_DAY, "2026-12-03 06:59", False),
        (EVERY_DAY, "2026-12-03 07:00", True),
        (EVERY_DAY, "2026-12-03 22:59", True),
        (EVERY_DAY, "2026-12-03 23:00", False),
        ({"thu": ["22:00-02:00"]}, "2026-12-04 01:30", True),  # Thursday's night, on Friday
        ({"thu": ["22:00-02:00"]}, "2026-12-04 02:00", False),
        ({"thu": ["00:00-24:00"]}, "2026-12-03 23:59", True),
        ({"fri": ["07:00-12:00", "14:00-20:00"]}, "2026-12-04 13:00", False),
        ({}, "2026-12-03 03:00", True),  # hours never entered: not told, so open
    ],
)
def test_is_open(hours, local: str, open_: bool) -> None:  # type: ignore[no-untyped-def]
    assert is_open(hours, _at(local)) is open_


def test_next_opening() -> None:
    assert next_opening(EVERY_DAY, _at("2026-12-03 23:30")) == _at("2026-12-04 07:00")
    assert next_opening({"mon": ["09:00-10:00"]}, _at("2026-12-03 12:00")) == _at(
        "2026-12-07 09:00"
    )
    assert next_opening({"mon": []}, _at("2026-12-03 12:00")) is None


def _freeze(monkeypatch, local: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: _at(local).astimezone(dt.UTC))


def test_a_closed_store_refuses_orders_in_its_own_time(shop, stocked, sam, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shop.opening_hours = EVERY_DAY
    shop.save()
    tea = stocked(on_hand=10)
    _freeze(monkeypatch, "2026-12-03 23:30")  # 15:30 UTC: open in London, closed in Hangzhou
    r = sam.client.post(
        url("shopper/orders/"), order_body(shop, (tea, 3)), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (r.status_code, r.data["code"]) == (409, "store_closed")
    assert r.data["fields"]["store"] == ["It opens 2026-12-04 07:00."]
    assert not ShopperOrder.objects.exists()
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 0
    _freeze(monkeypatch, "2026-12-04 07:05")
    r = sam.client.post(url("shopper/orders/"), order_body(shop, (tea, 3)))
    assert r.status_code == 201, r.data


def test_a_quote_prices_the_basket_and_reserves_nothing(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea, cake = stocked(on_hand=10, price="8.00"), stocked(on_hand=10, price="4.50")
    body = order_body(shop, (tea, 2), (cake, 1), fulfilment="delivery", address=sam.address)
    body.pop("note", None)
    r = sam.client.post(url("shopper/quote/"), body)
    assert r.status_code == 200, r.data
    assert (r.data["subtotal"], r.data["delivery_fee"], r.data["total"]) == (
        "20.50",
        "5.00",
        "25.50",
    )
    assert [(x["product"], x["line_total"], x["available"]) for x in r.data["lines"]] == [
        (tea.pk, "16.00", 10),
        (cake.pk, "4.50", 10),
    ]
    assert (r.data["can_order"], r.data["problems"]) == (True, [])
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 0
    assert not ShopperOrder.objects.exists()


def test_a_quote_lists_every_problem_at_once(shop, stocked, sam, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shop.opening_hours = EVERY_DAY
    shop.save()
    tea = stocked(on_hand=2, price="8.00")
    _freeze(monkeypatch, "2026-12-03 06:00")
    body = order_body(shop, (tea, 3), fulfilment="delivery", address=sam.address)
    r = sam.client.post(url("shopper/quote/"), body, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200, r.data
    assert r.data["can_order"] is False
    assert [p["code"] for p in r.data["problems"]] == ["store_closed", "insufficient_stock"]
    short = r.data["problems"][1]["fields"]["lines[0].quantity"]
    assert short == ["Only 2 available (3 asked)."]
    assert r.data["total"] == "29.00"  # 24.00 + 5.00: the basket reaches the 20.00 minimum
    body = order_body(shop, (tea, 1), fulfilment="delivery", address=sam.address)
    r = sam.client.post(url("shopper/quote/"), body)
    assert "below_minimum_basket" in [p["code"] for p in r.data["problems"]]
    assert r.data["delivery_fee"] == "0.00"  # no delivery on these terms


def test_a_quote_refuses_bad_input_like_placing(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    r = sam.client.post(
        url("shopper/quote/"),
        {"store": shop.pk, "fulfilment": "pickup", "lines": [{"product": 999999, "quantity": 1}]},
        format="json",
    )
    assert (r.status_code, list(r.data["fields"])) == (400, ["lines[0].product"])
    r = sam.client.post(
        url("shopper/quote/"),
        {"store": 999999, "fulfilment": "pickup", "lines": [{"product": 1, "quantity": 1}]},
        format="json",
    )
    assert r.status_code == 404
