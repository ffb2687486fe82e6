"""Stock-out spells: when a store's level of a product was at zero (`StockOut`).

`stock_apply` feeds every movement it applies to a `SpellTracker` and calls `write` once, under
the stock-level row locks it already holds: the spells of a (store, product) pair are only
written by the transaction that holds that pair's level lock, so reading "is a spell open?" is
never needed (the partial unique index answers it inside the INSERT).

Cost: nothing is queried; a call that brings no level to or from zero writes nothing. A POS
upload (sales only) adds at most one INSERT; a delivery that restocks lines at zero adds one
UPDATE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Greatest

from stores.models import StockOut, Store


class SpellTracker:
    """Zero crossings of one store's levels during one `stock_apply` call, in the order applied.

    A level at zero before the call may or may not have an open spell (a row created by this
    call, or a level at zero from before spells were recorded, has none). Such a level that
    stays at zero (a sale beyond stock) gets one from that movement on unless one is open; one
    that comes back above zero closes whichever is open.
    """

    def __init__(self, on_hand: Mapping[int, int]) -> None:
        # product id -> when its current spell began; None: before this call (already out).
        self._out: dict[int, dt.datetime | None] = {
            pid: None for pid, units in on_hand.items() if units == 0
        }
        self.ensure_open: dict[int, dt.datetime] = {}
        self.close: dict[int, dt.datetime] = {}
        self.new: list[tuple[int, dt.datetime, dt.datetime | None]] = []

    def step(self, product_id: int, after: int, at: dt.datetime) -> None:
        """One movement of `product_id` left the level at `after` units, at time `at`."""
        if after == 0:
            if product_id not in self._out:
                self._out[product_id] = at
            elif self._out[product_id] is None and product_id not in self.ensure_open:
                self.ensure_open[product_id] = at
        elif product_id in self._out:
            since = self._out.pop(product_id)
            if since is None:
                self.close[product_id] = at
            elif at > since:  # a spell of no duration (same timestamp) is no stock-out
                self.new.append((product_id, since, at))

    def write(self, *, store: Store, now: dt.datetime) -> None:
        new = self.new + [(pid, since, None) for pid, since in self._out.items() if since]
        ensure = [(pid, at, None) for pid, at in self.ensure_open.items()]
        if not self.close:
            _insert(store, ensure + new)
            return
        # Order matters: an ensured spell must exist before the UPDATE closes it, and a spell
        # opened after the close must not be closed by it.
        _insert(store, ensure)
        whens = [When(product_id=pid, then=Value(at)) for pid, at in self.close.items()]
        StockOut.objects.filter(
            store=store, product_id__in=list(self.close), ended_at__isnull=True
        ).update(
            # Timestamps come from the movements; one that is earlier than the spell's start
            # (a back-dated receipt) closes it at its start.
            ended_at=Greatest(Case(*whens, output_field=DateTimeField()), F("started_at")),
            updated_at=now,
        )
        _insert(store, new)


def _insert(store: Store, spells: Sequence[tuple[int, dt.datetime, dt.datetime | None]]) -> None:
    if not spells:
        return
    # ignore_conflicts: an open spell that already exists is the one to keep (ON CONFLICT DO
    # NOTHING on the partial unique index); closed spells never conflict.
    StockOut.objects.bulk_create(
        [
            StockOut(store=store, product_id=pid, started_at=since, ended_at=until)
            for pid, since, until in spells
        ],
        ignore_conflicts=True,
    )
