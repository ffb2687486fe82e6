"""Idempotency records expire after IDEMPOTENCY_TTL_HOURS: an expired key is a new request, and
the hourly beat task deletes expired records in batches."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from lst.api.idempotency import records_purge
from lst.models import IdempotencyRecord
from lst.tasks import purge_idempotency_records
from stores.models import StockLevel, StockMovement
from stores.services import MovementSpec, stock_apply
from tests.api.conftest import url
from tests.api.sales_helpers import receipt
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _records(user, n: int, *, hours_old: float, prefix: str) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        IdempotencyRecord.objects.create(
            user=user, key=f"{prefix}-{i}", request_hash="h", response_status=200, response_body={}
        )
    IdempotencyRecord.objects.filter(key__startswith=prefix).update(
        created_at=timezone.now() - dt.timedelta(hours=hours_old)
    )


def test_the_purge_deletes_expired_records_in_batches_and_keeps_live_ones(
    alice, bob, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.IDEMPOTENCY_TTL_HOURS = 48
    _records(alice.user, 5, hours_old=49, prefix="old")
    _records(bob.user, 2, hours_old=49, prefix="bob-old")
    _records(alice.user, 3, hours_old=47, prefix="live")
    assert records_purge(batch=2) == 7
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == [
        "live-0",
        "live-1",
        "live-2",
    ]
    assert records_purge(batch=2) == 0
    settings.IDEMPOTENCY_TTL_HOURS = 24  # the setting decides what has expired
    assert purge_idempotency_records.delay().get() == 3
    assert not IdempotencyRecord.objects.exists()


def _upload(tenant, batch, key):  # type: ignore[no-untyped-def]
    return tenant.client.post(
        url(f"stores/{tenant.store.pk}/sales/receipts/"),
        {"receipts": batch},
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_an_expired_key_is_a_new_request(alice, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IDEMPOTENCY_TTL_HOURS = 48
    cola = ProductFactory.create(name="可乐")
    stock_apply(
        store=alice.store, movements=[MovementSpec(cola.pk, StockMovement.Kind.RECEIPT, 24)]
    )
    first = _upload(alice, [receipt((cola, 1, "3.50"))], "till-7")
    assert first.status_code == 200 and first.data["accepted"] == 1
    # Within the lifetime another body under the same key is refused...
    other = [receipt((cola, 2, "3.50"))]
    assert _upload(alice, other, "till-7").status_code == 422
    # ...once the record has expired (not purged yet) the key starts afresh.
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=48, minutes=1))
    again = _upload(alice, other, "till-7")
    assert again.status_code == 200 and "Idempotent-Replayed" not in again
    assert again.data["accepted"] == 1
    assert StockLevel.objects.get(store=alice.store, product=cola).on_hand == 24 - 1 - 2
    record = IdempotencyRecord.objects.get(user=alice.user, key="till-7")
    assert record.created_at > timezone.now() - dt.timedelta(minutes=5)
    # And it replays again like any live key.
    assert _upload(alice, other, "till-7")["Idempotent-Replayed"] == "true"


def test_setup_schedule_registers_the_hourly_purge() -> None:
    call_command("setup_schedule", stdout=io.StringIO())
    job = PeriodicTask.objects.get(task="lst.core.purge_idempotency_records")
    assert (job.crontab.minute, job.crontab.hour) == ("23", "*")
    assert job.enabled
