"""Stock-out spells under concurrent writers (PostgreSQL row locks): sales and receipts of the
same line from several connections at once leave one spell open exactly when the level is zero,
and spells never overlap."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from django.db import connection

from stores.models import StockLevel, StockMovement, StockOut
from stores.services import MovementSpec, stock_apply
from stores.services import stock as stock_module
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Kind = StockMovement.Kind


def _hammer(store: Any, product: Any, threads: int = 4, rounds: int = 15) -> list[Exception]:
    """Each thread in turn sells the line out and restocks it; all start together."""
    barrier = threading.Barrier(threads)
    errors: list[Exception] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for r in range(rounds):
                kind, qty = (Kind.SALE, -3) if (i + r) % 2 else (Kind.RECEIPT, 3)
                stock_apply(store=store, movements=[MovementSpec(product.pk, kind, qty)])
        except Exception as exc:  # collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return errors


def _assert_spells_consistent(store: Any, product: Any) -> None:
    level = StockLevel.objects.get(store=store, product=product)
    spells = list(
        StockOut.objects.filter(store=store, product=product)
        .order_by("started_at", "id")
        .values_list("started_at", "ended_at")
    )
    open_spells = [s for s in spells if s[1] is None]
    assert len(open_spells) == (1 if level.on_hand == 0 else 0)
    for (_, end), (start, _) in itertools.pairwise(spells):
        assert end is not None and end <= start  # one after the other, never overlapping


def test_concurrent_sales_and_receipts_keep_the_spells_consistent() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.RECEIPT, 3)])
    assert _hammer(store, product) == []
    assert StockOut.objects.filter(store=store, product=product).count() > 1
    _assert_spells_consistent(store, product)


def test_without_the_row_lock_the_spells_go_wrong(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Shows the test above can fail: drop the lock (read the level without FOR UPDATE) and let
    a sale and a receipt both read 3 units. The sale commits first (3 -> 0, opens a spell); the
    receipt, working from its stale read (3 -> 6), never sees the zero, so the spell stays open
    over a level of 6 units."""
    store, product = StoreFactory.create(), ProductFactory.create()
    stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.RECEIPT, 3)])
    both_read, sale_done = threading.Barrier(2), threading.Event()

    def unlocked(*, store, product_ids):  # type: ignore[no-untyped-def]
        levels = {
            row.product_id: row
            for row in StockLevel.objects.filter(store=store, product_id__in=list(product_ids))
        }
        both_read.wait(timeout=10)
        if threading.current_thread().name == "receipt":
            assert sale_done.wait(timeout=10)
        return levels

    monkeypatch.setattr(stock_module, "_lock_levels", unlocked)

    def run(kind: str, qty: int) -> None:
        try:
            stock_apply(store=store, movements=[MovementSpec(product.pk, kind, qty)])
        finally:
            if kind == Kind.SALE:
                sale_done.set()
            connection.close()

    pool = [
        threading.Thread(target=run, args=(Kind.SALE, -3), name="sale"),
        threading.Thread(target=run, args=(Kind.RECEIPT, 3), name="receipt"),
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert StockLevel.objects.get(store=store, product=product).on_hand == 6
    with pytest.raises(AssertionError):
        _assert_spells_consistent(store, product)
