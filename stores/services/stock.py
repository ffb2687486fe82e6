"""Writes with business rules on store stock.

Every change of a store's stock goes through `stock_apply`: it writes the ledger and moves the
stock levels in one transaction, so the level is always the running sum of its movements.
Locking order: stock-level rows of one store, in product-id order (deadlock-free when two writers
touch overlapping products).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst import notes
from lst.bulk import bulk_insert, bulk_update_values
from lst.errors import Conflict, ValidationFailed
from stores.models import StockLevel, StockMovement, Store

from .stockouts import SpellTracker

Kind = StockMovement.Kind


@dataclass(frozen=True)
class MovementSpec:
    """One requested movement: `quantity` is signed units (+ in, - out). `occurred_at`, when set,
    overrides the call's time for this movement (a batch of till receipts spans minutes)."""

    product_id: int
    kind: str
    quantity: int
    reference: str = ""
    note: str = ""
    occurred_at: dt.datetime | None = None


def _lock_levels(*, store: Store, product_ids: Iterable[int]) -> dict[int, StockLevel]:
    ids = sorted(set(product_ids))
    existing = set(
        StockLevel.objects.filter(store=store, product_id__in=ids).values_list(
            "product_id", flat=True
        )
    )
    missing = [pid for pid in ids if pid not in existing]
    if missing:
        # ignore_conflicts: a concurrent writer may create the same row first; both then lock it.
        StockLevel.objects.bulk_create(
            [StockLevel(store=store, product_id=pid, on_hand=0) for pid in missing],
            ignore_conflicts=True,
        )
    rows = StockLevel.objects.select_for_update().filter(store=store, product_id__in=ids)
    return {row.product_id: row for row in rows.order_by("product_id")}


@transaction.atomic
def stock_apply(
    *,
    store: Store,
    movements: Sequence[MovementSpec],
    occurred_at: dt.datetime | None = None,
    user: object | None = None,
    returning: bool = True,
) -> list[StockMovement]:
    """Apply movements to a store's stock and return the ledger rows written.

    Stock never goes below zero. A sale beyond recorded stock is still a sale (the goods left the
    shop, so the record was wrong): the ledger gets the sale and a `shortfall` movement that brings
    the level back to zero, and the level is flagged `needs_count`. Any other outflow beyond stock
    (waste, transfer out, a correction) is refused with `insufficient_stock`.

    `returning=False` is for large batches (a POS upload's thousands of lines): the ledger rows
    are written with COPY on PostgreSQL (lst.bulk) without building model instances, and an
    empty list is returned.

    A level that reaches zero opens a `StockOut` spell, one that comes back above zero closes
    it, each at the time of the movement that did it (see `stores.services.stockouts`).
    """
    if not movements:
        return []
    live = occurred_at is None
    occurred_at = occurred_at or timezone.now()
    for m in movements:
        if m.quantity == 0:
            raise ValidationFailed(_("A movement must change stock."), fields={"quantity": ["0"]})
    levels = _lock_levels(store=store, product_ids=(m.product_id for m in movements))
    # A movement timed by this call (no time given) happens when its lock is held: a writer
    # that waited for the lock must not date its spell before the one whose spell it follows.
    spell_time = timezone.now() if live else occurred_at
    spells = SpellTracker({pid: level.on_hand for pid, level in levels.items()})
    written: list[MovementSpec] = []
    for m in movements:
        level = levels[m.product_id]
        new = level.on_hand + m.quantity
        if new < 0 and m.kind != Kind.SALE:
            raise Conflict(
                _("Only %(n)d units in stock.") % {"n": level.on_hand},
                code="insufficient_stock",
                fields={"quantity": [str(m.quantity)], "product": [str(m.product_id)]},
            )
        written.append(m)
        if new < 0:
            written.append(
                MovementSpec(
                    m.product_id,
                    Kind.SHORTFALL,
                    -new,
                    m.reference,
                    "sold beyond recorded stock",
                    m.occurred_at,
                )
            )
            new = 0
            level.needs_count = True
        level.on_hand = new
        spells.step(m.product_id, new, m.occurred_at or spell_time)
    now = timezone.now()
    for level in levels.values():
        level.updated_at = now  # a bulk update skips auto_now
    created_by = user if getattr(user, "pk", None) else None
    rows: list[StockMovement] = []
    if returning:
        rows = [_movement(store, m, occurred_at, created_by) for m in written]
        StockMovement.objects.bulk_create(rows)
    else:
        user_id = getattr(created_by, "pk", None)
        bulk_insert(
            StockMovement,
            LEDGER_COLUMNS,
            (
                (store.pk, m.product_id, m.kind, m.quantity, m.occurred_at or occurred_at,
                 m.reference, m.note, user_id, now, now)
                for m in written
            ),
        )  # fmt: skip
    bulk_update_values(list(levels.values()), ["on_hand", "needs_count", "updated_at"])
    spells.write(store=store, now=now)
    return rows


LEDGER_COLUMNS = (
    "store",
    "product",
    "kind",
    "quantity",
    "occurred_at",
    "reference",
    "note",
    "created_by",
    "created_at",
    "updated_at",
)


def _movement(store: Store, m: MovementSpec, occurred_at: dt.datetime, user: Any) -> StockMovement:
    return StockMovement(
        store=store,
        product_id=m.product_id,
        kind=m.kind,
        quantity=m.quantity,
        occurred_at=m.occurred_at or occurred_at,
        reference=m.reference,
        note=m.note,
        created_by=user,
    )


@transaction.atomic
def stock_count(
    *,
    store: Store,
    product_id: int,
    counted: int,
    user: object | None = None,
    counted_at: dt.datetime | None = None,
) -> StockLevel:
    """Record a physical count: the ledger gets a correction of the difference (if any)."""
    if counted < 0:
        raise ValidationFailed(_("A count cannot be negative."), fields={"counted": [str(counted)]})
    counted_at = counted_at or timezone.now()
    level = _lock_levels(store=store, product_ids=[product_id])[product_id]
    diff = counted - level.on_hand
    if diff:
        stock_apply(
            store=store,
            movements=[
                MovementSpec(product_id, Kind.COUNT_CORRECTION, diff, note=notes.STOCK_COUNT)
            ],
            occurred_at=counted_at,
            user=user,
        )
        level.refresh_from_db()
    level.needs_count = False
    level.last_counted_at = counted_at
    level.save(update_fields=["needs_count", "last_counted_at", "updated_at"])
    return level


@transaction.atomic
def stock_waste(
    *,
    store: Store,
    product_id: int,
    quantity: int,
    user: object | None = None,
    note: str = "",
    occurred_at: dt.datetime | None = None,
) -> StockMovement:
    """Write off `quantity` units (spoiled, expired, broken). More than on hand is refused with
    `insufficient_stock`: waste is counted goods, so it cannot exceed them."""
    if quantity < 1:
        raise ValidationFailed(
            _("Waste must be at least one unit."), fields={"quantity": [_("Must be at least 1.")]}
        )
    (movement,) = stock_apply(
        store=store,
        movements=[MovementSpec(product_id, Kind.WASTE, -quantity, note=note)],
        occurred_at=occurred_at,
        user=user,
    )
    return movement
