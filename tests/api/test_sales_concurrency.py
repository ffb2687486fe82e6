"""The same batch uploaded twice at the same moment is counted once (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from stores.models import DailySales, PosReceipt, StockLevel, StockMovement
from stores.services import MovementSpec, stock_apply
from stores.services import sales as sales_module
from tests.api.conftest import url
from tests.api.sales_helpers import assert_consistent, receipt
from tests.catalog.factories import ProductFactory
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Kind = StockMovement.Kind


def _setup() -> tuple[Any, Any, list[Any]]:
    user = UserFactory.create(username="till")
    store = StoreFactory.create(code="busy-store")
    MembershipFactory.create(user=user, store=store)
    products = ProductFactory.create_batch(3)
    stock_apply(store=store, movements=[MovementSpec(p.pk, Kind.RECEIPT, 1000) for p in products])
    return user, store, products


def _post_concurrently(user: Any, store: Any, batch: list[dict], n: int = 2) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user=user)
            barrier.wait(timeout=10)
            results[i] = client.post(url(f"stores/{store.pk}/sales/receipts/"), {"receipts": batch})
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_the_same_batch_sent_twice_concurrently_is_counted_once() -> None:
    user, store, products = _setup()
    sent = 0
    for round_ in range(5):
        batch = [receipt(*[(p, 1 + (i + round_) % 3, "2.50") for p in products]) for i in range(40)]
        responses = _post_concurrently(user, store, batch, n=3)
        assert [r.status_code for r in responses] == [200, 200, 200], [r.data for r in responses]
        assert sorted(r.data["accepted"] for r in responses) == [0, 0, 40]
        assert sorted(r.data["duplicates"] for r in responses) == [0, 40, 40]
        sent += sum(sum(line["quantity"] for line in r["lines"]) for r in batch)
    assert PosReceipt.objects.filter(store=store).count() == 5 * 40
    on_hand = sum(StockLevel.objects.filter(store=store).values_list("on_hand", flat=True))
    assert on_hand == 3 * 1000 - sent
    assert sum(DailySales.objects.filter(store=store).values_list("units", flat=True)) == sent
    assert_consistent(store)


def test_without_the_store_lock_a_concurrent_retry_is_not_acknowledged(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Shows the test above can fail: drop the lock and make both uploads read "nothing
    received yet" before either writes. The uuid unique index then refuses the second upload's
    receipts (409, retry), instead of acknowledging them as duplicates; without that index they
    would be counted twice."""
    user, store, products = _setup()
    both_read = threading.Barrier(2)
    real_owners = sales_module._receipt_owners

    def racing_owners(uuids):  # type: ignore[no-untyped-def]
        owners = real_owners(uuids)
        both_read.wait(timeout=10)
        return owners

    monkeypatch.setattr(sales_module, "_lock_store", lambda store: None)
    monkeypatch.setattr(sales_module, "_receipt_owners", racing_owners)
    batch = [receipt(*[(p, 2, "2.50") for p in products]) for _ in range(10)]
    responses = _post_concurrently(user, store, batch)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409]
    assert next(r for r in responses if r.status_code == 409).data["code"] == "concurrent_upload"
    assert PosReceipt.objects.filter(store=store).count() == 10
    assert_consistent(store)
