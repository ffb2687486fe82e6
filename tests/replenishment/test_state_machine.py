"""Every transition of the order state machine, legal and illegal, through the services."""

from __future__ import annotations

import itertools

import pytest

from lst.errors import Conflict, ValidationFailed
from replenishment import services
from replenishment.models import OrderEvent, ReplenishmentOrder
from tests.replenishment.helpers import PATHS, transition, walk, wh_stock

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status

TARGETS = [s for s in Status.values if s != Status.DRAFT]


@pytest.fixture
def order_of(alice, stocked):  # type: ignore[no-untyped-def]
    """An order of Alice's store walked to the given status; two lines, 12 + 6 units at 10.00."""
    p1, p2 = stocked(on_hand=60), stocked(on_hand=60)

    def make(status: str) -> ReplenishmentOrder:
        order = services.order_create_draft(
            store=alice.store, lines=[(p1.pk, 12), (p2.pk, 6)], user=alice.user
        )
        return walk(order, status, alice.user)

    make.products = (p1, p2)
    return make


@pytest.mark.parametrize(("start", "to"), list(itertools.product(Status.values, TARGETS)))
def test_transition_table(order_of, alice, start: str, to: str) -> None:  # type: ignore[no-untyped-def]
    order = order_of(start)
    events_before = OrderEvent.objects.filter(order=order).count()
    legal = to in services.TRANSITIONS[start]
    if legal:
        moved = transition(order, to, alice.user)
        assert moved.status == to
        event = OrderEvent.objects.filter(order=order).latest("id")
        assert (event.from_status, event.to_status, event.actor) == (start, to, alice.user)
        assert OrderEvent.objects.filter(order=order).count() == events_before + 1
    else:
        with pytest.raises(Conflict) as err:
            transition(order, to, alice.user)
        assert err.value.code == "illegal_transition"
        assert err.value.fields["status"] == [start]
        order.refresh_from_db()
        assert order.status == start
        assert OrderEvent.objects.filter(order=order).count() == events_before


def test_the_table_is_the_documented_lifecycle() -> None:
    legal = {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets}
    assert legal == {
        ("draft", "submitted"),
        ("draft", "cancelled"),
        ("submitted", "confirmed"),
        ("submitted", "cancelled"),
        ("submitted", "rejected"),
        ("confirmed", "picking"),
        ("confirmed", "cancelled"),
        ("confirmed", "rejected"),
        ("picking", "shipped"),
        ("picking", "rejected"),
        ("shipped", "delivered"),
        ("delivered", "received"),
    }
    assert set(PATHS) == set(Status.values)


def test_each_step_of_the_happy_path_writes_one_event_with_who(order_of, alice) -> None:  # type: ignore[no-untyped-def]
    order = order_of(Status.RECEIVED)
    steps = list(
        OrderEvent.objects.filter(order=order)
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "confirmed"),
        ("confirmed", "picking"),
        ("picking", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "received"),
    ]
    assert all(e.actor == alice.user and e.created_at for e in order.events.all())


@pytest.mark.parametrize("start", [Status.SUBMITTED, Status.CONFIRMED])
def test_cancel_restores_warehouse_stock_exactly(order_of, warehouse, start: str) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = order_of.products
    order = order_of(start)
    assert (wh_stock(warehouse, p1).reserved, wh_stock(warehouse, p2).reserved) == (12, 6)
    services.order_cancel(order=order)
    for p in (p1, p2):
        row = wh_stock(warehouse, p)
        assert (row.on_hand, row.reserved) == (60, 0)


@pytest.mark.parametrize("start", [Status.SUBMITTED, Status.CONFIRMED, Status.PICKING])
def test_reject_restores_warehouse_stock_exactly_and_keeps_the_reason(  # type: ignore[no-untyped-def]
    order_of, warehouse, start: str
) -> None:
    p1, p2 = order_of.products
    order = order_of(start)
    services.order_reject(order=order, reason="货车坏了")
    order.refresh_from_db()
    assert (order.status, order.reject_reason) == (Status.REJECTED, "货车坏了")
    assert order.events.latest("id").note == "货车坏了"
    for p in (p1, p2):
        row = wh_stock(warehouse, p)
        assert (row.on_hand, row.reserved) == (60, 0)


def test_reject_needs_a_reason(order_of) -> None:  # type: ignore[no-untyped-def]
    order = order_of(Status.SUBMITTED)
    with pytest.raises(ValidationFailed) as err:
        services.order_reject(order=order, reason="  ")
    assert "reason" in err.value.fields
    order.refresh_from_db()
    assert order.status == Status.SUBMITTED


def test_cancelling_a_draft_releases_nothing(order_of, warehouse) -> None:  # type: ignore[no-untyped-def]
    p1, _ = order_of.products
    reserved_elsewhere = order_of(Status.SUBMITTED)
    draft = order_of(Status.DRAFT)
    services.order_cancel(order=draft)
    assert wh_stock(warehouse, p1).reserved == 12
    assert reserved_elsewhere.status == Status.SUBMITTED


def test_ship_turns_reserved_into_shipped(order_of, warehouse) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = order_of.products
    order = order_of(Status.SHIPPED)
    assert (wh_stock(warehouse, p1).on_hand, wh_stock(warehouse, p1).reserved) == (48, 0)
    assert (wh_stock(warehouse, p2).on_hand, wh_stock(warehouse, p2).reserved) == (54, 0)
    assert order.events.latest("id").data["shipped"] == {str(p1.pk): 12, str(p2.pk): 6}
