"""Receiving: good units into the store ledger, damaged and missing units as discrepancies."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from lst.errors import Conflict, ValidationFailed
from replenishment import services
from replenishment.models import ReplenishmentOrder
from replenishment.services import ReceiptSpec
from stores.models import StockLevel, StockMovement
from tests.replenishment.helpers import walk
from tests.stores.factories import StockLevelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status


@pytest.fixture
def delivered(alice, stocked):  # type: ignore[no-untyped-def]
    p1, p2, p3 = stocked(), stocked(), stocked()
    order = services.order_create_draft(
        store=alice.store, lines=[(p1.pk, 12), (p2.pk, 24), (p3.pk, 6)]
    )
    order = walk(order, Status.DELIVERED)
    order.products = (p1, p2, p3)
    return order


def test_receiving_in_full_puts_every_unit_into_store_stock(alice, delivered) -> None:  # type: ignore[no-untyped-def]
    p1, p2, p3 = delivered.products
    StockLevelFactory(store=alice.store, product=p1, on_hand=5)
    services.order_receive(order=delivered, user=alice.user)
    delivered.refresh_from_db()
    assert delivered.status == Status.RECEIVED
    levels = dict(StockLevel.objects.filter(store=alice.store).values_list("product_id", "on_hand"))
    assert levels == {p1.pk: 17, p2.pk: 24, p3.pk: 6}
    moves = StockMovement.objects.filter(store=alice.store, kind=StockMovement.Kind.RECEIPT)
    assert moves.count() == 3
    assert {m.reference for m in moves} == {f"order:{delivered.pk}"}
    assert all(m.created_by == alice.user for m in moves)
    assert all(
        (line.quantity_received, line.quantity_damaged, line.quantity_short)
        == (line.quantity, 0, 0)
        for line in delivered.lines.all()
    )
    assert delivered.events.latest("id").data == {"discrepancies": []}


def test_short_and_damaged_lines_are_recorded_as_discrepancies(alice, delivered) -> None:  # type: ignore[no-untyped-def]
    p1, p2, p3 = delivered.products
    services.order_receive(
        order=delivered,
        user=alice.user,
        receipts=[
            ReceiptSpec(p2.pk, quantity_received=18, quantity_damaged=2, note="箱子压坏"),
            ReceiptSpec(p3.pk, quantity_received=0),
        ],
    )
    lines = {line.product_id: line for line in delivered.lines.all()}
    got = {
        pid: (line.quantity_received, line.quantity_damaged, line.quantity_short)
        for pid, line in lines.items()
    }
    assert got == {p1.pk: (12, 0, 0), p2.pk: (18, 2, 4), p3.pk: (0, 0, 6)}
    assert lines[p2.pk].discrepancy_note == "箱子压坏"
    assert lines[p2.pk].has_discrepancy and not lines[p1.pk].has_discrepancy
    levels = dict(StockLevel.objects.filter(store=alice.store).values_list("product_id", "on_hand"))
    assert levels == {p1.pk: 12, p2.pk: 18}
    ledger = StockMovement.objects.filter(store=alice.store).aggregate(s=Sum("quantity"))["s"]
    assert ledger == 30
    discrepancies = delivered.events.latest("id").data["discrepancies"]
    assert [(d["product"], d["damaged"], d["short"]) for d in discrepancies] == [
        (p2.pk, 2, 4),
        (p3.pk, 0, 6),
    ]


def test_receipt_errors_name_the_line_and_change_nothing(alice, delivered) -> None:  # type: ignore[no-untyped-def]
    p1, p2, _ = delivered.products
    with pytest.raises(ValidationFailed) as err:
        services.order_receive(
            order=delivered,
            receipts=[
                ReceiptSpec(p1.pk, quantity_received=12, quantity_damaged=1),
                ReceiptSpec(999999, quantity_received=1),
                ReceiptSpec(p1.pk, quantity_received=1),
                ReceiptSpec(p2.pk, quantity_received=-1),
            ],
        )
    assert set(err.value.fields) == {
        "lines[0].quantity_received",
        "lines[1].product",
        "lines[3].quantity_received",
    }
    delivered.refresh_from_db()
    assert delivered.status == Status.DELIVERED
    assert not StockMovement.objects.filter(store=alice.store).exists()


def test_an_order_is_received_once(alice, delivered) -> None:  # type: ignore[no-untyped-def]
    services.order_receive(order=delivered)
    with pytest.raises(Conflict) as err:
        services.order_receive(order=delivered)
    assert err.value.code == "illegal_transition"
    assert StockMovement.objects.filter(store=alice.store).count() == 3
