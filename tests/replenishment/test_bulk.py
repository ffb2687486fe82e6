"""The warehouse's bulk status update: all or nothing, every failure reported."""

from __future__ import annotations

import pytest

from lst.errors import Conflict, ValidationFailed
from replenishment import services
from replenishment.models import OrderEvent, ReplenishmentOrder
from replenishment.services import BulkItem
from tests.replenishment.factories import WarehouseFactory
from tests.replenishment.helpers import walk, wh_stock

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status


@pytest.fixture
def orders(alice, bob, stocked):  # type: ignore[no-untyped-def]
    p = stocked(on_hand=100)
    made = []
    for tenant in (alice, bob, alice):
        order = services.order_create_draft(store=tenant.store, lines=[(p.pk, 12)])
        made.append(walk(order, Status.SUBMITTED))
    return made, p


def test_bulk_moves_every_order(warehouse, orders) -> None:  # type: ignore[no-untyped-def]
    made, p = orders
    services.orders_bulk_transition(
        warehouse=warehouse, items=[BulkItem(o.pk, "confirm") for o in made]
    )
    services.orders_bulk_transition(
        warehouse=warehouse, items=[BulkItem(o.pk, "pick") for o in made]
    )
    moved = services.orders_bulk_transition(
        warehouse=warehouse,
        items=[
            BulkItem(made[0].pk, "ship"),
            BulkItem(made[1].pk, "ship"),
            BulkItem(made[2].pk, "reject", "破损"),
        ],
    )
    assert [o.status for o in moved] == [Status.SHIPPED, Status.SHIPPED, Status.REJECTED]
    row = wh_stock(warehouse, p)
    assert (row.on_hand, row.reserved) == (76, 0)


def test_one_bad_item_changes_nothing_and_every_failure_is_named(warehouse, orders) -> None:  # type: ignore[no-untyped-def]
    made, p = orders
    services.order_cancel(order=made[1])
    events = OrderEvent.objects.count()
    with pytest.raises(Conflict) as err:
        services.orders_bulk_transition(
            warehouse=warehouse,
            items=[
                BulkItem(made[0].pk, "confirm"),
                BulkItem(made[1].pk, "confirm"),  # cancelled
                BulkItem(made[2].pk, "reject"),  # no reason
                BulkItem(987654, "confirm"),
                BulkItem(made[0].pk, "pick"),  # listed twice
            ],
        )
    assert err.value.code == "bulk_failed"
    fields = err.value.fields
    assert set(fields) == {"items[1]", "items[2]", "items[3]", "items[4]"}
    assert fields["items[1]"][0].startswith("illegal_transition")
    assert fields["items[2]"][0].startswith("validation_error")
    assert fields["items[3]"][0].startswith("not_found")
    for o in made:
        before = o.status
        o.refresh_from_db()
        assert o.status in (before, Status.CANCELLED)
    assert made[0].status == Status.SUBMITTED
    assert OrderEvent.objects.count() == events
    assert wh_stock(warehouse, p).reserved == 24


def test_orders_of_another_warehouse_and_drafts_are_not_found(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked()
    draft = services.order_create_draft(store=alice.store, lines=[(p.pk, 12)])
    with pytest.raises(Conflict) as err:
        services.orders_bulk_transition(
            warehouse=WarehouseFactory.create(), items=[BulkItem(draft.pk, "confirm")]
        )
    assert err.value.fields["items[0]"][0].startswith("not_found")
    with pytest.raises(Conflict) as err:
        services.orders_bulk_transition(warehouse=warehouse, items=[BulkItem(draft.pk, "confirm")])
    assert err.value.fields["items[0]"][0].startswith("not_found")


def test_unknown_action_and_empty_call(warehouse, orders) -> None:  # type: ignore[no-untyped-def]
    made, _ = orders
    with pytest.raises(Conflict) as err:
        services.orders_bulk_transition(warehouse=warehouse, items=[BulkItem(made[0].pk, "fly")])
    assert err.value.fields["items[0]"][0].startswith("validation_error")
    with pytest.raises(ValidationFailed):
        services.orders_bulk_transition(warehouse=warehouse, items=[])
