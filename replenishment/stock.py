"""Warehouse stock under row locks: reserve at submit, release at cancel/reject, consume at ship.

Locking order (deadlock-free by construction): an order row first, then the warehouse-stock rows
it touches in product-id order. Every writer follows it, so two submissions that share products
queue on the first shared row instead of each holding one the other needs. The database
constraint `reserved <= on_hand` is the backstop if code ever gets it wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict

from .models import WarehouseStock


def lock_stock(*, warehouse_id: int, product_ids: Iterable[int]) -> dict[int, WarehouseStock]:
    """Lock the warehouse's stock rows of these products (FOR UPDATE, product-id order) and
    return them by product id. Products the warehouse does not stock are simply absent.

    The concurrency test swaps this for a plain read to prove the harness catches an oversell.
    """
    ids = sorted(set(product_ids))
    rows = (
        WarehouseStock.objects.select_for_update()
        .filter(warehouse_id=warehouse_id, product_id__in=ids)
        .order_by("product_id")
    )
    return {row.product_id: row for row in rows}


def _lock_existing(*, warehouse_id: int, product_ids: Iterable[int]) -> dict[int, WarehouseStock]:
    ids = list(product_ids)
    stocks = lock_stock(warehouse_id=warehouse_id, product_ids=ids)
    missing = sorted(set(ids) - set(stocks))
    if missing:
        # Someone deleted a stock row that still carries reservations: refuse rather than guess.
        raise Conflict(
            _("The warehouse no longer stocks some products of this order."),
            code="warehouse_stock_missing",
            fields={"products": [str(pid) for pid in missing]},
        )
    return stocks


def save_stock(stocks: Iterable[WarehouseStock]) -> None:
    """Write back on_hand/reserved of rows locked (and changed) by the caller."""
    rows = list(stocks)
    if not rows:
        return
    now = timezone.now()
    for row in rows:
        row.updated_at = now  # bulk_update skips auto_now
    WarehouseStock.objects.bulk_update(rows, ["on_hand", "reserved", "updated_at"])


@transaction.atomic
def stock_release(*, warehouse_id: int, quantities: Mapping[int, int]) -> None:
    """Give reserved units back (cancel, reject): reserved drops by exactly `quantities`."""
    quantities = {pid: q for pid, q in quantities.items() if q}
    stocks = _lock_existing(warehouse_id=warehouse_id, product_ids=quantities)
    for pid, qty in quantities.items():
        stocks[pid].reserved -= qty
    save_stock(stocks[pid] for pid in quantities)


@transaction.atomic
def stock_consume(*, warehouse_id: int, quantities: Mapping[int, int]) -> None:
    """Ship reserved units: on_hand and reserved both drop by exactly `quantities`."""
    quantities = {pid: q for pid, q in quantities.items() if q}
    stocks = _lock_existing(warehouse_id=warehouse_id, product_ids=quantities)
    for pid, qty in quantities.items():
        stocks[pid].on_hand -= qty
        stocks[pid].reserved -= qty
    save_stock(stocks[pid] for pid in quantities)
