"""Builders and checks for POS upload tests."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from stores.localtime import store_local_date
from stores.models import (
    DailySales,
    PosReceipt,
    PosReceiptLine,
    StockLevel,
    StockMovement,
    StockOut,
)


def receipt(
    *lines: tuple[Any, int, str], at: dt.datetime | None = None, uid: str | None = None
) -> dict[str, Any]:
    """`lines`: (product or product id, quantity, unit price as a string)."""
    return {
        "uuid": uid or str(uuid.uuid4()),
        "occurred_at": (at or timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "lines": [
            {"product": getattr(p, "pk", p), "quantity": q, "unit_price": price}
            for p, q, price in lines
        ],
    }


def assert_consistent(store: Any) -> None:
    """Ledger sum = stock level for every product; a stock-out spell is open exactly for the
    levels at zero; daily sales = sum of receipt lines per store-local date (units and
    revenue)."""
    ledger = dict(
        StockMovement.objects.filter(store=store)
        .values_list("product_id")
        .annotate(s=Sum("quantity"))
        .values_list("product_id", "s")
    )
    levels = dict(StockLevel.objects.filter(store=store).values_list("product_id", "on_hand"))
    assert {p: ledger.get(p, 0) for p in levels} == levels
    assert all(v >= 0 for v in levels.values())
    open_spells = StockOut.objects.filter(store=store, ended_at__isnull=True)
    assert set(open_spells.values_list("product_id", flat=True)) == {
        p for p, units in levels.items() if units == 0
    }
    expected: dict[tuple[int, dt.date], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    for line in PosReceiptLine.objects.filter(receipt__store=store).select_related("receipt"):
        assert line.receipt.local_date == store_local_date(store, line.receipt.occurred_at)
        row = expected[(line.product_id, line.receipt.local_date)]
        row[0] += line.quantity
        row[1] += line.quantity * line.unit_price
    actual = {
        (d.product_id, d.date): [d.units, d.revenue] for d in DailySales.objects.filter(store=store)
    }
    assert actual == dict(expected)
    for r in PosReceipt.objects.filter(store=store).prefetch_related("lines"):
        assert r.total == sum((x.quantity * x.unit_price for x in r.lines.all()), Decimal("0"))
