"""lst.bulk: COPY-backed inserts and one-statement updates, on PostgreSQL and SQLite alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lst.bulk import bulk_update_values
from stores.models import StockLevel
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StockLevelFactory

pytestmark = pytest.mark.django_db


def test_bulk_update_values_writes_each_row_its_own_values(alice) -> None:  # type: ignore[no-untyped-def]
    levels = [
        StockLevelFactory.create(store=alice.store, product=ProductFactory.create(), on_hand=5)
        for _ in range(3)
    ]
    untouched = StockLevelFactory.create(
        store=alice.store, product=ProductFactory.create(), on_hand=9
    )
    counted = timezone.now() - dt.timedelta(days=1)
    for i, level in enumerate(levels):
        level.on_hand = 10 * (i + 1)
        level.needs_count = i == 1
        level.last_counted_at = counted if i == 2 else None
    assert bulk_update_values(levels, ["on_hand", "needs_count", "last_counted_at"], chunk=2) == 3
    rows = {
        row.pk: (row.on_hand, row.needs_count, row.last_counted_at)
        for row in StockLevel.objects.all()
    }
    assert rows[levels[0].pk] == (10, False, None)
    assert rows[levels[1].pk] == (20, True, None)
    assert rows[levels[2].pk] == (30, False, counted)
    assert rows[untouched.pk] == (9, False, None)


def test_bulk_update_values_of_nothing_is_a_no_op() -> None:
    assert bulk_update_values([], ["on_hand"]) == 0
