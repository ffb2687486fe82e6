"""Stock-out spells: opened when a level reaches zero, closed when it comes back, whatever the
movement (sale, shortfall, waste, count, receipt), at the time of the movement that did it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lst.errors import Conflict
from stores.models import StockMovement, StockOut
from stores.services import MovementSpec, stock_apply, stock_count, stock_waste
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StoreFactory

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _spells(store, product) -> list[tuple[dt.datetime, dt.datetime | None]]:  # type: ignore[no-untyped-def]
    rows = StockOut.objects.filter(store=store, product=product).order_by("started_at")
    return list(rows.values_list("started_at", "ended_at"))


def _move(store, product, kind: str, qty: int, hours: float) -> None:  # type: ignore[no-untyped-def]
    stock_apply(
        store=store, movements=[MovementSpec(product.pk, kind, qty)], occurred_at=_at(hours)
    )


@pytest.mark.smoke
def test_a_sale_to_zero_opens_a_spell_and_a_receipt_closes_it() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 5, 0)
    assert _spells(store, product) == []
    _move(store, product, Kind.SALE, -3, 1)
    assert _spells(store, product) == []  # 2 left: not out
    _move(store, product, Kind.SALE, -2, 2)
    assert _spells(store, product) == [(_at(2), None)]
    _move(store, product, Kind.RECEIPT, 12, 30)
    assert _spells(store, product) == [(_at(2), _at(30))]
    _move(store, product, Kind.SALE, -1, 31)
    assert _spells(store, product) == [(_at(2), _at(30))]


def test_a_shortfall_opens_a_spell_once_and_a_count_closes_it() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 3, 0)
    _move(store, product, Kind.SALE, -5, 1)  # sold beyond stock: level 0, needs a count
    _move(store, product, Kind.SALE, -1, 2)  # still out: the spell keeps its start
    assert _spells(store, product) == [(_at(1), None)]
    stock_count(store=store, product_id=product.pk, counted=4, counted_at=_at(5))
    assert _spells(store, product) == [(_at(1), _at(5))]


def test_a_sale_of_a_line_never_received_opens_a_spell() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.SALE, -2, 1)  # a new level, at zero after the shortfall
    assert _spells(store, product) == [(_at(1), None)]


def test_a_receipt_into_a_new_level_opens_nothing() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 6, 0)
    assert _spells(store, product) == []


def test_waste_of_the_last_units_opens_a_spell() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 4, 0)
    stock_waste(store=store, product_id=product.pk, quantity=4, occurred_at=_at(3))
    assert _spells(store, product) == [(_at(3), None)]


def test_a_count_to_zero_opens_and_a_count_above_zero_closes() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 4, 0)
    stock_count(store=store, product_id=product.pk, counted=0, counted_at=_at(1))
    assert _spells(store, product) == [(_at(1), None)]
    stock_count(store=store, product_id=product.pk, counted=0, counted_at=_at(2))  # no change
    stock_count(store=store, product_id=product.pk, counted=2, counted_at=_at(3))
    assert _spells(store, product) == [(_at(1), _at(3))]


def test_one_batch_that_runs_out_twice_writes_each_spell() -> None:
    """A POS upload spans hours: the times come from the movements, in the order applied."""
    store, product, other = StoreFactory.create(), ProductFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 2, 0)
    _move(store, other, Kind.RECEIPT, 9, 0)
    stock_apply(
        store=store,
        movements=[
            MovementSpec(product.pk, Kind.SALE, -2, occurred_at=_at(1)),
            MovementSpec(other.pk, Kind.SALE, -1, occurred_at=_at(1)),
            MovementSpec(product.pk, Kind.RECEIPT, 3, occurred_at=_at(4)),
            MovementSpec(product.pk, Kind.SALE, -3, occurred_at=_at(6)),
        ],
        returning=False,
        occurred_at=_at(7),
    )
    assert _spells(store, product) == [(_at(1), _at(4)), (_at(6), None)]
    assert _spells(store, other) == []


def test_a_line_already_out_that_comes_back_and_runs_out_again_in_one_call() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 1, 0)
    _move(store, product, Kind.SALE, -1, 1)
    stock_apply(
        store=store,
        movements=[
            MovementSpec(product.pk, Kind.RECEIPT, 2, occurred_at=_at(10)),
            MovementSpec(product.pk, Kind.SALE, -2, occurred_at=_at(12)),
        ],
    )
    assert _spells(store, product) == [(_at(1), _at(10)), (_at(12), None)]


def test_a_back_dated_receipt_closes_the_spell_at_its_start() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 1, 0)
    _move(store, product, Kind.SALE, -1, 5)
    _move(store, product, Kind.RECEIPT, 6, 4)  # entered late with the delivery note's time
    assert _spells(store, product) == [(_at(5), _at(5))]


def test_a_refused_movement_writes_no_spell() -> None:
    store, product, other = StoreFactory.create(), ProductFactory.create(), ProductFactory.create()
    _move(store, product, Kind.RECEIPT, 1, 0)
    _move(store, other, Kind.RECEIPT, 1, 0)
    with pytest.raises(Conflict) as err:
        stock_apply(
            store=store,
            movements=[
                MovementSpec(product.pk, Kind.SALE, -1),
                MovementSpec(other.pk, Kind.WASTE, -2),
            ],
        )
    assert err.value.code == "insufficient_stock"
    assert not StockOut.objects.exists()


def test_the_database_holds_one_open_spell_per_store_and_product() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    now = timezone.now()
    StockOut.objects.create(store=store, product=product, started_at=now)
    StockOut.objects.create(
        store=store, product=product, started_at=now, ended_at=now + dt.timedelta(hours=1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockOut.objects.create(store=store, product=product, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockOut.objects.create(
            store=store, product=product, started_at=now, ended_at=now - dt.timedelta(seconds=1)
        )


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_stock_apply_that_crosses_no_zero_runs_no_stockout_query() -> None:
    store, products = StoreFactory.create(), ProductFactory.create_batch(3)
    stock_apply(store=store, movements=[MovementSpec(p.pk, Kind.RECEIPT, 10) for p in products])

    def apply(qty: int) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            stock_apply(
                store=store,
                movements=[
                    MovementSpec(p.pk, Kind.SALE if qty < 0 else Kind.RECEIPT, qty)
                    for p in products
                ],
                returning=False,
            )
        return _statements(ctx)

    plain = apply(-1)  # existing levels, lock, ledger, levels
    assert len(plain) == 4 and not any("stockout" in q for q in plain)
    emptied = apply(-9)  # + one INSERT of the three spells
    assert len(emptied) == 5 and "INSERT" in emptied[-1] and "stockout" in emptied[-1]
    assert StockOut.objects.filter(store=store, ended_at__isnull=True).count() == 3
    restocked = apply(12)  # + one UPDATE closing the three
    assert len(restocked) == 5 and restocked[-1].startswith("UPDATE")
    assert StockOut.objects.filter(store=store, ended_at__isnull=True).count() == 0
