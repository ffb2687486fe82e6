"""Concurrent submissions against real PostgreSQL row locks: nobody gets the same last units.

The harness fires API requests from many threads (each with its own database connection),
released together by a barrier, and then checks the books: accepted orders, reserved stock and
the responses clients saw. It is run once against the real reservation and once against a
deliberately naive read-then-write reservation (defined here, never in production code), which
it must catch overselling, so these tests can fail.

Concurrency is capped by connections, not by requests: PostgreSQL here allows 100 connections,
shared with other databases, so `LST_HARNESS_THREADS` (default 40) threads share the requests,
as a production connection pool would.
"""

from __future__ import annotations

import os
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from replenishment import stock as wh_stock_module
from replenishment.models import (
    ReplenishmentOrder,
    ReplenishmentOrderLine,
    Warehouse,
    WarehouseStock,
)
from stores.models import StoreMembership
from tests.catalog.factories import ProductFactory
from tests.replenishment.factories import WarehouseStockFactory
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
Status = ReplenishmentOrder.Status
THREADS = int(os.environ.get("LST_HARNESS_THREADS", "40"))


# --- the harness -------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Run:
    replies: list[Reply] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.replies)

    @property
    def codes(self) -> Counter[str]:
        return Counter(r.body.get("code", "") for r in self.replies if r.status >= 400 and r.body)


Job = Callable[[APIClient], Any]


def fire(jobs: list[tuple[Any, Job]], threads: int = THREADS) -> Run:
    """Run `(user, job)` pairs from `threads` threads started together; collect every reply."""
    work: queue.SimpleQueue[tuple[Any, Job]] = queue.SimpleQueue()
    for item in jobs:
        work.put(item)
    threads = min(threads, len(jobs))
    barrier = threading.Barrier(threads)
    run = Run()
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=60)
            while True:
                try:
                    user, job = work.get_nowait()
                except queue.Empty:
                    return
                client = APIClient()
                client.raise_request_exception = False  # a 500 must come back as a reply
                client.force_authenticate(user=user)
                replies = job(client)
                with lock:
                    for res in replies if isinstance(replies, list) else [replies]:
                        try:
                            body = res.json()
                        except ValueError:
                            body = {"raw": res.content[:200].decode(errors="replace")}
                        run.replies.append(Reply(res.status_code, body))
        except Exception as exc:  # the harness itself must not hide a failure
            with lock:
                run.crashes.append(repr(exc))
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=300)
    run.seconds = time.perf_counter() - started
    assert not any(t.is_alive() for t in pool), "a harness thread hung"
    return run


def submit_job(order: ReplenishmentOrder, allow_partial: bool = False) -> Job:
    url = f"/api/v1/stores/{order.store_id}/orders/{order.pk}/submit/"
    return lambda client: client.post(url, {"allow_partial": allow_partial}, format="json")


def accepted_lines(warehouse: Warehouse, product_id: int) -> int:
    """Units reserved by orders that still hold a reservation."""
    agg = ReplenishmentOrderLine.objects.filter(
        order__warehouse=warehouse,
        order__status__in=[Status.SUBMITTED, Status.CONFIRMED, Status.PICKING],
        product_id=product_id,
    ).aggregate(s=Sum("quantity_reserved"))
    return agg["s"] or 0


def make_drafts(
    store: Any, lines_per_order: list[list[tuple[int, int]]]
) -> list[ReplenishmentOrder]:
    """Drafts in bulk (the services are tested elsewhere; here only submit matters)."""
    orders = ReplenishmentOrder.objects.bulk_create(
        [ReplenishmentOrder(store=store, warehouse_id=store.warehouse_id) for _ in lines_per_order]
    )
    ReplenishmentOrderLine.objects.bulk_create(
        [
            ReplenishmentOrderLine(order=order, product_id=pid, quantity=qty)
            for order, lines in zip(orders, lines_per_order, strict=True)
            for pid, qty in lines
        ]
    )
    return orders


def naive_lock_stock(*, warehouse_id: int, product_ids: Any) -> dict[int, WarehouseStock]:
    """The bug this suite exists to catch: read the stock without a lock, then write back what
    was computed from the stale read (a lost update)."""
    rows = WarehouseStock.objects.filter(warehouse_id=warehouse_id, product_id__in=product_ids)
    return {row.product_id: row for row in rows}


# --- scenario 1: 200 one-unit submissions at 50 units ------------------------------------------


def last_units_scenario() -> tuple[Run, dict[str, int]]:
    user = UserFactory.create(username="owner-race", phone="13700000001")
    store = StoreFactory.create(
        warehouse=Warehouse.objects.create(code="race", name="race", min_order_value=0)
    )
    assert store.warehouse is not None
    MembershipFactory.create(user=user, store=store, role=StoreMembership.Role.OWNER)
    product = ProductFactory.create(case_pack=1)
    WarehouseStockFactory.create(
        warehouse=store.warehouse, product=product, on_hand=50, unit_cost=Decimal("1.00")
    )
    orders = make_drafts(store, [[(product.pk, 1)]] * 200)
    run = fire([(user, submit_job(order)) for order in orders])
    row = WarehouseStock.objects.get(warehouse=store.warehouse, product=product)
    books = {
        "accepted": ReplenishmentOrder.objects.filter(store=store, status=Status.SUBMITTED).count(),
        "accepted_units": accepted_lines(store.warehouse, product.pk),
        "reserved": row.reserved,
        "on_hand": row.on_hand,
    }
    return run, books


def test_200_submissions_for_50_units_accept_exactly_50() -> None:
    run, books = last_units_scenario()
    print(f"\n200 submissions / 50 units, {THREADS} threads: {run.seconds:.2f}s, {books}")
    assert run.crashes == []
    assert run.statuses == {200: 50, 409: 150}, run.statuses
    assert run.codes == {"insufficient_stock": 150}
    assert books == {"accepted": 50, "accepted_units": 50, "reserved": 50, "on_hand": 50}


def test_the_harness_catches_a_naive_read_then_write_reservation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(wh_stock_module, "lock_stock", naive_lock_stock)
    run, books = last_units_scenario()
    print(f"\nnaive reservation: {run.statuses}, {books}")
    assert run.crashes == []
    oversold = books["accepted"] > 50 or books["accepted_units"] != books["reserved"]
    assert oversold, f"the naive version was not caught: {books}"


# --- scenario 2: 1,000 random multi-line orders from 32 threads --------------------------------


def random_orders_scenario(
    rng: random.Random, orders_per_store: int = 125
) -> tuple[Run, list[tuple[int, int, int]], int]:
    """8 stores x `orders_per_store` random orders (1-5 lines of 1-4 cases over 12 products,
    half of them accepting partial service, a fifth cancelled right after submitting)."""
    warehouse = Warehouse.objects.create(code="mix", name="mix", min_order_value=Decimal("30"))
    owners = []
    for i in range(8):
        user = UserFactory.create(username=f"mix-owner-{i}", phone=f"1370000{i + 100:04d}")
        store = StoreFactory.create(warehouse=warehouse)
        MembershipFactory.create(user=user, store=store, role=StoreMembership.Role.OWNER)
        owners.append((user, store))
    products = []
    for _ in range(12):
        pack = rng.choice([1, 6, 12])
        product = ProductFactory.create(case_pack=pack)
        WarehouseStockFactory.create(
            warehouse=warehouse,
            product=product,
            on_hand=rng.randint(100, 600),
            unit_cost=Decimal(rng.choice(["1.50", "3.00", "7.20"])),
        )
        products.append(product)

    jobs: list[tuple[Any, Job]] = []
    for user, store in owners:
        specs = []
        for _ in range(orders_per_store):
            chosen = rng.sample(products, rng.randint(1, 5))
            specs.append([(p.pk, p.case_pack * rng.randint(1, 4)) for p in chosen])
        for order in make_drafts(store, specs):
            job = submit_job(order, allow_partial=rng.random() < 0.5)
            if rng.random() < 0.2:  # some owners change their mind at once: cancel races too
                cancel_url = f"/api/v1/stores/{store.pk}/orders/{order.pk}/cancel/"
                job = (lambda s, u: lambda c: [s(c), c.post(u, {}, format="json")])(job, cancel_url)
            jobs.append((user, job))
    rng.shuffle(jobs)
    run = fire(jobs, threads=32)
    books = [
        (
            row.product_id,
            row.reserved,
            accepted_lines(warehouse, row.product_id),
        )
        for row in WarehouseStock.objects.filter(warehouse=warehouse)
    ]
    oversold = sum(
        1
        for row in WarehouseStock.objects.filter(warehouse=warehouse)
        if row.reserved > row.on_hand
    )
    return run, books, oversold


def test_1000_random_multi_line_orders_keep_the_books(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("WARNING", logger="replenishment.retry")
    run, books, oversold = random_orders_scenario(random.Random(4))
    assert len(run.replies) >= 1000
    retries = sum(1 for r in caplog.records if r.name == "replenishment.retry")
    print(
        f"\n1000 multi-line orders, 32 threads: {run.seconds:.2f}s, statuses {dict(run.statuses)},"
        f" codes {dict(run.codes)}, deadlock retries {retries}"
    )
    assert run.crashes == []
    assert not any(s >= 500 for s in run.statuses), run.statuses
    assert set(run.statuses) <= {200, 409}
    # Clean refusals only: a deadlock must never reach the client, not even as `busy`.
    assert set(run.codes) <= {"insufficient_stock", "below_minimum_order_value"}, run.codes
    assert run.statuses[200] > 100  # the scenario really accepted orders
    assert oversold == 0
    for product_id, reserved, accepted in books:
        assert reserved == accepted, (product_id, reserved, accepted)


def test_the_harness_catches_the_naive_version_on_multi_line_orders(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(wh_stock_module, "lock_stock", naive_lock_stock)
    # A quarter of the size: the naive version also deadlocks and crashes (its lost updates
    # drive `reserved` below zero on cancel), which makes it slow; it is caught long before.
    run, books, oversold = random_orders_scenario(random.Random(4), orders_per_store=16)
    broken = [b for b in books if b[1] != b[2]]
    print(
        f"\nnaive, multi-line: {len(broken)} products with wrong books, {oversold} oversold,"
        f" statuses {dict(run.statuses)}"
    )
    assert broken, "the naive version was not caught"


# --- idempotency under concurrency -------------------------------------------------------------


def _one_order() -> tuple[Any, ReplenishmentOrder, WarehouseStock]:
    user = UserFactory.create(username="owner-idem", phone="13700000002")
    store = StoreFactory.create(
        warehouse=Warehouse.objects.create(code="idem", name="idem", min_order_value=0)
    )
    MembershipFactory.create(user=user, store=store, role=StoreMembership.Role.OWNER)
    product = ProductFactory.create(case_pack=6)
    row = WarehouseStockFactory.create(warehouse=store.warehouse, product=product, on_hand=60)
    return user, make_drafts(store, [[(product.pk, 12)]])[0], row


def test_concurrent_submits_with_one_key_reserve_once_and_answer_alike() -> None:
    user, order, row = _one_order()
    url = f"/api/v1/stores/{order.store_id}/orders/{order.pk}/submit/"
    job: Job = lambda c: c.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="tap-tap")  # noqa: E731
    run = fire([(user, job)] * 8, threads=8)
    assert run.crashes == []
    assert run.statuses == {200: 8}
    assert all(r.body == run.replies[0].body for r in run.replies)
    row.refresh_from_db()
    assert row.reserved == 12
    assert order.events.count() == 1


def test_concurrent_submits_without_key_let_one_through() -> None:
    user, order, row = _one_order()
    run = fire([(user, submit_job(order))] * 8, threads=8)
    assert run.statuses == {200: 1, 409: 7}
    assert run.codes == {"illegal_transition": 7}
    row.refresh_from_db()
    assert row.reserved == 12
