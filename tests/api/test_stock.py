"""Inventory: stock list with filters, movement history, counts, waste."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from stores.localtime import store_local_date
from stores.models import DailySales, StockLevel, StockMovement
from stores.services import MovementSpec, stock_apply
from tests.api.conftest import url
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.stores.factories import StockLevelFactory

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind


def _sold(store, product, units_per_day: int, days: int, *, start_days_ago: int = 0) -> None:  # type: ignore[no-untyped-def]
    today = store_local_date(store)
    for i in range(start_days_ago, start_days_ago + days):
        DailySales.objects.create(
            store=store, product=product, date=today - dt.timedelta(days=i), units=units_per_day
        )


@pytest.fixture
def shelf(alice):  # type: ignore[no-untyped-def]
    """Alice's stock: fast seller nearly out, slow seller plenty, one empty, one never sold."""
    drinks = CategoryFactory.create(code="drinks", name="饮料")
    snacks = CategoryFactory.create(code="snacks", name="零食")
    fast = ProductFactory.create(
        sku="A-FAST", name="可口可乐", name_en="Coca-Cola", category=drinks
    )
    slow = ProductFactory.create(sku="B-SLOW", name="乐事薯片", name_en="Lay's", category=snacks)
    empty = ProductFactory.create(sku="C-EMPTY", name="农夫山泉", category=drinks)
    idle = ProductFactory.create(sku="D-IDLE", name="老干妈", category=snacks)
    # through the ledger, so ledger sum = level: fast sells 4/day (2 days left), slow 1/day
    stock_apply(
        store=alice.store,
        movements=[
            MovementSpec(fast.pk, Kind.RECEIPT, 8),
            MovementSpec(slow.pk, Kind.RECEIPT, 20),
            MovementSpec(idle.pk, Kind.RECEIPT, 3),
        ],
    )
    StockLevelFactory.create(store=alice.store, product=empty, on_hand=0)
    _sold(alice.store, fast, 4, 28)
    _sold(alice.store, slow, 1, 28)
    _sold(alice.store, empty, 2, 10)
    _sold(alice.store, idle, 50, 5, start_days_ago=28)  # outside the 28-day window
    return {"fast": fast, "slow": slow, "empty": empty, "idle": idle, "drinks": drinks}


def _skus(r) -> list[str]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.data
    return [row["product"]["sku"] for row in r.data["results"]]


@pytest.mark.smoke
def test_list_and_filters(alice, shelf) -> None:  # type: ignore[no-untyped-def]
    base = url(f"stores/{alice.store.pk}/stock/")
    r = alice.client.get(base)
    assert _skus(r) == ["A-FAST", "B-SLOW", "C-EMPTY", "D-IDLE"]
    fast = r.data["results"][0]
    assert (fast["on_hand"], fast["recent_units"], fast["avg_daily_sales"]) == (8, 112, "4.00")
    assert (fast["days_of_cover"], fast["low"]) == ("2.0", True)
    assert r.data["results"][3]["days_of_cover"] is None  # did not sell in the window
    assert _skus(alice.client.get(base, {"low": "true"})) == ["A-FAST", "C-EMPTY"]
    assert _skus(alice.client.get(base, {"low": "false"})) == ["B-SLOW", "D-IDLE"]
    assert _skus(alice.client.get(base, {"out": "true"})) == ["C-EMPTY"]
    assert _skus(alice.client.get(base, {"category": shelf["drinks"].pk})) == ["A-FAST", "C-EMPTY"]
    assert _skus(alice.client.get(base, {"q": "cola"})) == ["A-FAST"]
    assert _skus(alice.client.get(base, {"q": "薯片", "low": "false"})) == ["B-SLOW"]


def test_low_threshold_is_configurable(alice, shelf, settings) -> None:  # type: ignore[no-untyped-def]
    settings.STOCK_LOW_DAYS = 30
    r = alice.client.get(url(f"stores/{alice.store.pk}/stock/"), {"low": "true"})
    assert _skus(r) == ["A-FAST", "B-SLOW", "C-EMPTY"]


def test_list_has_constant_queries(alice, shelf, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    base = url(f"stores/{alice.store.pk}/stock/")
    with django_assert_num_queries(3):  # membership, count, page (+ sales subquery inline)
        alice.client.get(base)
    for p in ProductFactory.create_batch(30):
        StockLevelFactory.create(store=alice.store, product=p)
        _sold(alice.store, p, 1, 2)
    with django_assert_num_queries(3):
        r = alice.client.get(base, {"page_size": 25, "low": "true"})
    with django_assert_num_queries(3):
        r = alice.client.get(base, {"page_size": 25})
    assert len(r.data["results"]) == 25


def test_list_validation_and_tenancy(alice, bob, carol, shelf) -> None:  # type: ignore[no-untyped-def]
    base = url(f"stores/{alice.store.pk}/stock/")
    r = alice.client.get(base, {"low": "maybe"})
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert "low" in r.data["fields"]
    assert bob.client.get(base).status_code == 404
    assert carol.client.get(base).status_code == 200
    # Bob sees only his own (empty) stock
    assert bob.client.get(url(f"stores/{bob.store.pk}/stock/")).data["count"] == 0


def test_movement_history(alice, bob, shelf) -> None:  # type: ignore[no-untyped-def]
    fast = shelf["fast"]
    t0 = timezone.now() - dt.timedelta(hours=3)
    stock_apply(
        store=alice.store, movements=[MovementSpec(fast.pk, Kind.RECEIPT, 12)], occurred_at=t0
    )
    stock_apply(
        store=alice.store,
        movements=[MovementSpec(fast.pk, Kind.SALE, -2, "r-1")],
        occurred_at=t0 + dt.timedelta(hours=1),
        user=alice.user,
    )
    stock_apply(store=bob.store, movements=[MovementSpec(fast.pk, Kind.RECEIPT, 5)])
    base = url(f"stores/{alice.store.pk}/stock/{fast.pk}/movements/")
    r = alice.client.get(base)
    assert r.status_code == 200
    assert [(m["kind"], m["quantity"]) for m in r.data["results"]] == [
        ("receipt", 8),  # the shelf fixture's, at "now"
        ("sale", -2),
        ("receipt", 12),
    ]
    assert r.data["results"][1]["created_by"] == "alice"
    assert r.data["results"][2]["created_by"] is None
    only = alice.client.get(base, {"kind": "receipt"})
    assert [m["kind"] for m in only.data["results"]] == ["receipt", "receipt"]
    since = alice.client.get(base, {"since": (t0 + dt.timedelta(minutes=30)).isoformat()})
    assert [m["kind"] for m in since.data["results"]] == ["receipt", "sale"]
    bad = alice.client.get(base, {"kind": "theft"})
    assert (bad.status_code, bad.data["code"]) == (400, "validation_error")
    assert bob.client.get(base).status_code == 404


def test_movement_history_has_constant_queries(alice, shelf, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    p = shelf["slow"]
    base = url(f"stores/{alice.store.pk}/stock/{p.pk}/movements/")
    stock_apply(store=alice.store, movements=[MovementSpec(p.pk, Kind.SALE, -1)], user=alice.user)
    with django_assert_num_queries(3):
        alice.client.get(base)
    for _ in range(9):
        stock_apply(
            store=alice.store, movements=[MovementSpec(p.pk, Kind.SALE, -1)], user=alice.user
        )
    with django_assert_num_queries(3):
        r = alice.client.get(base)
    assert r.data["count"] == 11


def _ledger(store, product) -> int:  # type: ignore[no-untyped-def]
    s = StockMovement.objects.filter(store=store, product=product).aggregate(s=Sum("quantity"))
    return s["s"] or 0


@pytest.mark.smoke
def test_count_writes_a_correction_and_clears_needs_count(carol, shelf) -> None:  # type: ignore[no-untyped-def]
    p = shelf["fast"]
    stock_apply(store=carol.store, movements=[MovementSpec(p.pk, Kind.SALE, -10)])  # shortfall 2
    assert StockLevel.objects.get(store=carol.store, product=p).needs_count
    r = carol.client.post(
        url(f"stores/{carol.store.pk}/stock/counts/"), {"product": p.pk, "counted": 5}
    )
    assert r.status_code == 201, r.data
    assert (r.data["on_hand"], r.data["needs_count"]) == (5, False)
    assert r.data["last_counted_at"]
    last = StockMovement.objects.filter(store=carol.store, product=p).order_by("-id").first()
    assert last is not None
    assert (last.kind, last.quantity, last.created_by) == (Kind.COUNT_CORRECTION, 5, carol.user)


def test_count_of_a_product_never_stocked_creates_its_level(alice) -> None:  # type: ignore[no-untyped-def]
    p = ProductFactory.create()
    r = alice.client.post(
        url(f"stores/{alice.store.pk}/stock/counts/"), {"product": p.pk, "counted": 7}
    )
    assert (r.status_code, r.data["on_hand"]) == (201, 7)
    assert _ledger(alice.store, p) == 7


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": 999999, "counted": 3}, "product"),
        ({"counted": 3}, "product"),
        ("negative", "counted"),
        ("missing", "counted"),
        ("future", "counted_at"),
    ],
)
def test_count_validation(alice, shelf, body, field) -> None:  # type: ignore[no-untyped-def]
    if body == "negative":
        body = {"product": shelf["fast"].pk, "counted": -1}
    elif body == "missing":
        body = {"product": shelf["fast"].pk}
    elif body == "future":
        later = timezone.now() + dt.timedelta(hours=1)
        body = {"product": shelf["fast"].pk, "counted": 1, "counted_at": later.isoformat()}
    r = alice.client.post(url(f"stores/{alice.store.pk}/stock/counts/"), body)
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert field in r.data["fields"]
    assert StockMovement.objects.count() == 3  # the shelf fixture's receipts only


def test_count_in_another_store_is_404(alice, bob, shelf) -> None:  # type: ignore[no-untyped-def]
    p = shelf["fast"]
    r = bob.client.post(
        url(f"stores/{alice.store.pk}/stock/counts/"), {"product": p.pk, "counted": 0}
    )
    assert (r.status_code, r.data["code"]) == (404, "not_found")
    assert StockLevel.objects.get(store=alice.store, product=p).on_hand == 8


def test_waste(carol, shelf) -> None:  # type: ignore[no-untyped-def]
    p = shelf["slow"]
    base = url(f"stores/{carol.store.pk}/stock/waste/")
    r = carol.client.post(
        base, {"product": p.pk, "quantity": 3, "note": "过期"}, HTTP_IDEMPOTENCY_KEY="w1"
    )
    assert r.status_code == 201, r.data
    assert (r.data["movement"]["kind"], r.data["movement"]["quantity"]) == ("waste", -3)
    assert r.data["stock"]["on_hand"] == 17
    again = carol.client.post(
        base, {"product": p.pk, "quantity": 3, "note": "过期"}, HTTP_IDEMPOTENCY_KEY="w1"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get(store=carol.store, product=p).on_hand == 17
    assert _ledger(carol.store, p) == 17
    too_much = carol.client.post(base, {"product": p.pk, "quantity": 18})
    assert (too_much.status_code, too_much.data["code"]) == (409, "insufficient_stock")
    assert StockLevel.objects.get(store=carol.store, product=p).on_hand == 17


@pytest.mark.parametrize("body", [{"quantity": 0}, {"quantity": -2}, {}])
def test_waste_validation(alice, shelf, body) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(
        url(f"stores/{alice.store.pk}/stock/waste/"), {"product": shelf["slow"].pk} | body
    )
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert "quantity" in r.data["fields"]


def test_waste_in_another_store_is_404(alice, bob, shelf) -> None:  # type: ignore[no-untyped-def]
    r = bob.client.post(
        url(f"stores/{alice.store.pk}/stock/waste/"), {"product": shelf["slow"].pk, "quantity": 1}
    )
    assert r.status_code == 404
    assert StockMovement.objects.count() == 3  # the shelf fixture's receipts only


def test_notes_the_system_wrote_are_shown_in_the_request_language(alice, shelf) -> None:  # type: ignore[no-untyped-def]
    p = shelf["fast"]
    alice.client.post(
        url(f"stores/{alice.store.pk}/stock/counts/"), {"product": p.pk, "counted": 3}
    )
    stock_apply(store=alice.store, movements=[MovementSpec(p.pk, Kind.WASTE, -1, note="碎了")])
    path = url(f"stores/{alice.store.pk}/stock/{p.pk}/movements/")
    zh = {m["kind"]: m["note"] for m in alice.client.get(path).json()["results"]}
    en = {
        m["kind"]: m["note"]
        for m in alice.client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    }
    assert (zh[Kind.COUNT_CORRECTION], en[Kind.COUNT_CORRECTION]) == ("盘点", "stock count")
    assert zh[Kind.WASTE] == en[Kind.WASTE] == "碎了"  # typed by a person: as typed
    stored = StockMovement.objects.filter(store=alice.store, kind=Kind.COUNT_CORRECTION).get()
    assert stored.note == "stock count"  # stored the same whatever the writer's language
