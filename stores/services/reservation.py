"""Store stock promised to open shopper orders (`StockLevel.reserved`).

The rules, shared with walk-in POS sales on the same rows:
- A reservation is granted only out of `on_hand - reserved`, read under the row lock, so it
  never takes units already sold (a sale commits its lower `on_hand` before the lock is free).
- A POS sale never looks at `reserved` (see `stock_apply`): it never fails because of a
  reservation. When it eats into reserved units, `reserved > on_hand` is the conflict the owner
  sees on the affected orders (`stores.selectors.reservation_shortages`).
- `reserved` moves only here, by exact amounts, so it stays the sum of the open orders' lines.

Locking order: stock-level rows of one store in product-id order, the same as `stock_apply`
(a caller that holds an order row locks it first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict
from stores.models import StockLevel, Store


class InsufficientStock(Conflict):
    """409 `insufficient_stock`; `available` maps each short product id to what can be had."""

    def __init__(self, available: Mapping[int, int]) -> None:
        super().__init__(
            _("Not enough stock for %(n)d product(s).") % {"n": len(available)},
            code="insufficient_stock",
            fields={"products": [str(pid) for pid in sorted(available)]},
        )
        self.available = dict(available)


def lock_levels(*, store: Store, product_ids: Iterable[int]) -> dict[int, StockLevel]:
    """Lock the store's existing stock rows of these products (FOR UPDATE, product-id order).
    A product without a row is absent (nothing on hand). Tests swap this for a plain read to
    show the concurrency tests catch an oversell."""
    ids = sorted(set(product_ids))
    rows = (
        StockLevel.objects.select_for_update()
        .filter(store=store, product_id__in=ids)
        .order_by("product_id")
    )
    return {row.product_id: row for row in rows}


def _save(rows: Iterable[StockLevel]) -> None:
    rows = list(rows)
    now = timezone.now()
    for row in rows:
        row.updated_at = now  # bulk_update skips auto_now
    StockLevel.objects.bulk_update(rows, ["reserved", "updated_at"])


@transaction.atomic
def stock_reserve(*, store: Store, quantities: Mapping[int, int]) -> None:
    """Reserve `quantities` (product id -> units >= 1), all or nothing.

    Raises `InsufficientStock` listing every product whose free stock (`on_hand - reserved`,
    never below 0) is short; nothing is reserved then.
    """
    levels = lock_levels(store=store, product_ids=quantities)
    short: dict[int, int] = {}
    for pid, qty in quantities.items():
        level = levels.get(pid)
        free = max(level.on_hand - level.reserved, 0) if level else 0
        if qty > free:
            short[pid] = free
    if short:
        raise InsufficientStock(short)
    for pid, qty in quantities.items():
        levels[pid].reserved += qty
    _save(levels[pid] for pid in quantities)


@transaction.atomic
def stock_release(*, store: Store, quantities: Mapping[int, int]) -> None:
    """Give reserved units back (an order cancelled, declined, expired or completed): `reserved`
    drops by exactly `quantities`. The `reserved >= 0` constraint catches a double release."""
    quantities = {pid: q for pid, q in quantities.items() if q}
    if not quantities:
        return
    levels = lock_levels(store=store, product_ids=quantities)
    missing = sorted(set(quantities) - set(levels))
    if missing:
        raise Conflict(
            _("Stock rows holding reservations are missing."),
            code="stock_row_missing",
            fields={"products": [str(pid) for pid in missing]},
        )
    for pid, qty in quantities.items():
        levels[pid].reserved -= qty
    _save(levels[pid] for pid in quantities)
