"""Shopper orders and walk-in POS sales on the same store stock, against real PostgreSQL row
locks: stock never goes negative, no reservation is granted out of stock already sold, and no
unit is counted twice. Each guarantee is also run against a deliberately naive reservation
(a plain read instead of the row lock, defined here, never in production code), which the same
checks must catch, so these tests can fail."""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from shoppers import services
from shoppers.models import ShopperOrder, ShopperOrderLine
from stores.models import DailySales, StockLevel, StockMovement
from stores.services import MovementSpec, reservation, sales_ingest, stock_apply
from tests.catalog.factories import ProductFactory
from tests.shoppers.factories import ShopperProfileFactory
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16
HOLDING = list(services.HOLDS_RESERVATION)


@pytest.fixture(autouse=True)
def _roomy_open_order_caps(settings: Any) -> None:
    """These races place many orders as one shopper: they test stock, not the per-shopper
    caps on open orders and units (tests/shoppers covers those)."""
    settings.SHOPPER_MAX_OPEN_ORDERS = 10_000
    settings.SHOPPER_MAX_OPEN_UNITS = 1_000_000


def _setup(on_hand: int, products: int = 1) -> tuple[Any, Any, list[Any], list[Any]]:
    store = StoreFactory.create(code=f"busy-{uuid.uuid4().hex[:6]}", accepts_online_orders=True)
    owner = UserFactory.create()
    MembershipFactory.create(user=owner, store=store)
    items = [ProductFactory.create(retail_price=Decimal("4.00")) for _ in range(products)]
    stock_apply(
        store=store,
        movements=[MovementSpec(p.pk, StockMovement.Kind.RECEIPT, on_hand) for p in items],
    )
    shoppers = []
    for _ in range(4):
        user = UserFactory.create()
        ShopperProfileFactory.create(user=user)
        shoppers.append(user)
    return store, owner, items, shoppers


def _run(jobs: list[Callable[[], Any]], threads: int = THREADS) -> list[Any]:
    """Run the jobs from `threads` threads released together; return results (or exceptions)."""
    lock = threading.Lock()
    pending = list(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(min(threads, len(jobs)))

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    if not pending:
                        return
                    i, job = pending.pop()
                try:
                    results[i] = job()
                except Exception as exc:  # a job failing is a result, not a harness crash
                    results[i] = exc
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(min(threads, len(jobs)))]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a thread hung"
    return results


def _place_job(user: Any, store: Any, lines: list[tuple[int, int]]) -> Callable[[], Any]:
    def job() -> Any:
        client = APIClient()
        client.raise_request_exception = False
        client.force_authenticate(user=user)
        body = {
            "store": store.pk,
            "fulfilment": "pickup",
            "lines": [{"product": pid, "quantity": q} for pid, q in lines],
        }
        return client.post("/api/v1/shopper/orders/", body, format="json")

    return job


def _pos_job(owner: Any, store: Any, product_id: int, qty: int) -> Callable[[], Any]:
    def job() -> Any:
        client = APIClient()
        client.raise_request_exception = False
        client.force_authenticate(user=owner)
        receipt = {
            "uuid": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "lines": [{"product": product_id, "quantity": qty, "unit_price": "4.00"}],
        }
        return client.post(
            f"/api/v1/stores/{store.pk}/sales/receipts/", {"receipts": [receipt]}, format="json"
        )

    return job


def _held(store: Any, product_id: int) -> int:
    agg = ShopperOrderLine.objects.filter(
        order__store=store, order__status__in=HOLDING, product_id=product_id
    ).aggregate(s=Sum("quantity"))
    return agg["s"] or 0


def _naive_lock(monkeypatch: Any, barrier: threading.Barrier | None = None) -> None:
    """The bug this file guards against: read the stock without the row lock. With a barrier,
    the first readers all read before any of them writes (the race made certain)."""

    def plain_read(*, store: Any, product_ids: Any) -> dict[int, StockLevel]:
        rows = {
            row.product_id: row
            for row in StockLevel.objects.filter(
                store=store, product_id__in=sorted(set(product_ids))
            )
        }
        if barrier is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
        return rows

    monkeypatch.setattr(reservation, "lock_levels", plain_read)


# --- many shoppers, few units --------------------------------------------------------------------


def _many_shoppers_one_product(monkeypatch: Any, naive: bool) -> tuple[Counter[int], int, int]:
    store, _owner, (tea,), shoppers = _setup(on_hand=30)
    if naive:
        _naive_lock(monkeypatch, threading.Barrier(THREADS))
    jobs = [_place_job(shoppers[i % 4], store, [(tea.pk, 1)]) for i in range(60)]
    replies = _run(jobs)
    statuses = Counter(r.status_code for r in replies)
    level = StockLevel.objects.get(store=store, product=tea)
    return statuses, level.reserved, _held(store, tea.pk)


def test_concurrent_orders_never_reserve_more_than_on_hand(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    statuses, reserved, held = _many_shoppers_one_product(monkeypatch, naive=False)
    assert statuses == Counter({201: 30, 409: 30})
    assert reserved == held == 30


def test_the_naive_reservation_oversells(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Shows the test above can fail: without the row lock, more than 30 units are promised,
    and the counter loses updates."""
    statuses, reserved, held = _many_shoppers_one_product(monkeypatch, naive=True)
    assert statuses[201] > 30
    assert held > 30
    assert reserved != held


# --- shoppers and the till at once --------------------------------------------------------------


def test_orders_and_pos_sales_together_keep_the_books(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(8)
    store, owner, products, shoppers = _setup(on_hand=40, products=3)
    pos_units: Counter[int] = Counter()
    jobs: list[Callable[[], Any]] = []
    for i in range(90):
        if i % 3 == 0:
            p = rng.choice(products)
            pos_units[p.pk] += 1
            jobs.append(_pos_job(owner, store, p.pk, 1))
        else:
            picked = rng.sample(products, rng.randint(1, 2))
            jobs.append(
                _place_job(shoppers[i % 4], store, [(p.pk, rng.randint(1, 3)) for p in picked])
            )
    rng.shuffle(jobs)
    replies = _run(jobs)
    assert {r.status_code for r in replies} <= {200, 201, 409}, [
        (r.status_code, getattr(r, "data", None)) for r in replies if r.status_code >= 500
    ]
    assert Counter(r.status_code for r in replies)[200] == 30  # the till never failed
    assert {r.data["code"] for r in replies if r.status_code == 409} <= {"insufficient_stock"}
    for p in products:  # reservations are the open lines, and never more than was received
        level = StockLevel.objects.get(store=store, product=p)
        assert level.reserved == _held(store, p.pk) <= 40

    # Phase two: hand over every order while the till keeps selling.
    orders = list(ShopperOrder.objects.filter(store=store).values_list("pk", flat=True))

    def complete(pk: int) -> Callable[[], Any]:
        def job() -> Any:
            order = ShopperOrder.objects.get(pk=pk)
            services.order_accept(order=order, estimated_at=timezone.now(), user=owner)
            services.order_mark_ready(order=order, user=owner)
            return services.order_mark_picked_up(order=order, user=owner)

        return job

    more = [complete(pk) for pk in orders]
    for i in range(20):
        p = products[i % 3]
        pos_units[p.pk] += 1
        more.append(_pos_job(owner, store, p.pk, 1))
    results = _run(more)
    assert not [r for r in results if isinstance(r, Exception)]

    sold_online: Counter[int] = Counter()
    for pid, qty in ShopperOrderLine.objects.filter(
        order__store=store, order__status="picked_up"
    ).values_list("product_id", "quantity"):
        sold_online[pid] += qty
    for p in products:
        level = StockLevel.objects.get(store=store, product=p)
        ledger = StockMovement.objects.filter(store=store, product=p).aggregate(s=Sum("quantity"))
        daily = DailySales.objects.filter(store=store, product=p).aggregate(s=Sum("units"))
        sales = StockMovement.objects.filter(store=store, product=p, kind="sale").aggregate(
            s=Sum("quantity")
        )
        assert level.on_hand >= 0
        assert level.on_hand == ledger["s"]  # the level is the sum of its ledger
        assert level.reserved == _held(store, p.pk) == 0
        # Every unit sold, at the till or online, counted once in the ledger and daily sales.
        assert daily["s"] == -sales["s"] == pos_units[p.pk] + sold_online[p.pk]
        # Stock = received - sold + what the till sold beyond recorded stock (a shortfall: the
        # till never fails, the level stops at 0 and asks for a count).
        shortfall = (
            StockMovement.objects.filter(store=store, product=p, kind="shortfall").aggregate(
                s=Sum("quantity")
            )["s"]
            or 0
        )
        assert level.on_hand == 40 - pos_units[p.pk] - sold_online[p.pk] + shortfall


# --- the till first, then a shopper: the sold units are not promised ----------------------------


def _waiting_on_a_lock(deadline: float) -> bool:
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cur.fetchone()[0]:
                return True
            time.sleep(0.01)  # polling with a deadline, not waiting for a fixed time
    return False


def _sale_then_order(monkeypatch: Any, naive: bool) -> tuple[int, int, int]:
    store, _owner, (tea,), shoppers = _setup(on_hand=5)
    if naive:
        _naive_lock(monkeypatch)
    sold = threading.Event()
    release = threading.Event()

    def till() -> None:
        try:
            with transaction.atomic():
                sales_ingest(
                    store=store,
                    receipts=[
                        {
                            "uuid": uuid.uuid4(),
                            "occurred_at": timezone.now(),
                            "lines": [
                                {"product": tea.pk, "quantity": 5, "unit_price": Decimal("4")}
                            ],
                        }
                    ],
                )
                sold.set()
                release.wait(timeout=30)  # hold the stock row until the shopper is queued
        finally:
            connection.close()

    reply: list[Any] = []

    def shopper() -> None:
        try:
            reply.append(_place_job(shoppers[0], store, [(tea.pk, 5)])())
        finally:
            connection.close()

    a = threading.Thread(target=till)
    a.start()
    assert sold.wait(timeout=30)
    b = threading.Thread(target=shopper)
    b.start()
    assert _waiting_on_a_lock(time.monotonic() + 20), "the shopper never queued on the stock row"
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    level = StockLevel.objects.get(store=store, product=tea)
    return reply[0].status_code, level.on_hand, level.reserved


def test_a_reservation_never_takes_stock_already_sold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    status, on_hand, reserved = _sale_then_order(monkeypatch, naive=False)
    assert (status, on_hand, reserved) == (409, 0, 0)


def test_the_naive_reservation_promises_sold_stock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    status, on_hand, reserved = _sale_then_order(monkeypatch, naive=True)
    assert (status, on_hand, reserved) == (201, 0, 5)
