"""Drafts: case-pack rules, cases, unknown/unstocked/duplicate products, edits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lst.errors import Conflict, ValidationFailed
from replenishment import services
from replenishment.models import ReplenishmentOrder
from replenishment.services import LineSpec
from tests.catalog.factories import ProductFactory
from tests.replenishment.helpers import walk
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status


def test_draft_from_lines_in_units_and_in_cases(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = stocked(case_pack=6, unit_cost="2.50"), stocked(case_pack=12, unit_cost="1.00")
    order = services.order_create_draft(
        store=alice.store,
        lines=[LineSpec(p1.pk, quantity=18), LineSpec(p2.pk, cases=2)],
        user=alice.user,
    )
    assert order.status == Status.DRAFT
    assert order.warehouse == alice.store.warehouse
    assert [(line.product_id, line.quantity) for line in order.lines.order_by("id")] == [
        (p1.pk, 18),
        (p2.pk, 24),
    ]
    assert order.total == Decimal("69.00")
    assert order.events.count() == 0  # creation is not a transition


def test_order_create_from_lines_takes_product_quantity_pairs(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked(case_pack=4)
    order = services.order_create_from_lines(store=alice.store, lines=[(p.pk, 8)], user=alice.user)
    assert order.lines.get().quantity == 8
    assert order.created_by == alice.user


def test_every_bad_line_is_named(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    good, pack6 = stocked(case_pack=1), stocked(case_pack=6)
    unstocked = ProductFactory.create()
    inactive = ProductFactory.create(is_active=False)
    with pytest.raises(ValidationFailed) as err:
        services.order_create_draft(
            store=alice.store,
            lines=[
                LineSpec(good.pk, quantity=3),
                LineSpec(pack6.pk, quantity=10),
                LineSpec(unstocked.pk, quantity=1),
                LineSpec(good.pk, quantity=1),
                LineSpec(inactive.pk, quantity=1),
                LineSpec(999999, quantity=1),
                LineSpec(pack6.pk, cases=0),
            ],
        )
    fields = err.value.fields
    assert set(fields) == {
        "lines[1].quantity",
        "lines[2].product",
        "lines[3].product",
        "lines[4].product",
        "lines[5].product",
        "lines[6].product",
    }
    assert "6" in fields["lines[1].quantity"][0]
    assert err.value.message.startswith("lines[1].quantity")
    assert not ReplenishmentOrder.objects.exists()


def test_cases_and_quantity_are_exclusive_and_positive(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p, q = stocked(), stocked()
    with pytest.raises(ValidationFailed) as err:
        services.order_create_draft(
            store=alice.store,
            lines=[LineSpec(p.pk, quantity=6, cases=1), LineSpec(q.pk, cases=0)],
        )
    assert set(err.value.fields) == {"lines[0].quantity", "lines[1].cases"}
    with pytest.raises(ValidationFailed) as err:
        services.order_create_draft(store=alice.store, lines=[LineSpec(p.pk, quantity=0)])
    assert set(err.value.fields) == {"lines[0].quantity"}


def test_an_order_needs_lines(alice) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as err:
        services.order_create_draft(store=alice.store, lines=[])
    assert "lines" in err.value.fields


def test_a_store_without_warehouse_cannot_order(stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked()
    with pytest.raises(Conflict) as err:
        services.order_create_draft(store=StoreFactory.create(warehouse=None), lines=[(p.pk, 6)])
    assert err.value.code == "no_warehouse"


def test_edit_replaces_lines_of_a_draft_only(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = stocked(unit_cost="10.00"), stocked(unit_cost="1.00")
    order = services.order_create_draft(store=alice.store, lines=[(p1.pk, 12)])
    services.order_update_draft(order=order, lines=[(p2.pk, 6)], note="周末")
    order.refresh_from_db()
    assert [(line.product_id, line.quantity) for line in order.lines.all()] == [(p2.pk, 6)]
    assert (order.total, order.note) == (Decimal("6.00"), "周末")
    with pytest.raises(ValidationFailed) as err:
        services.order_update_draft(order=order, lines=[(p2.pk, 7)])
    assert "lines[0].quantity" in err.value.fields
    assert order.lines.get().quantity == 6  # a failed edit changes nothing

    p_big = stocked(unit_cost="100.00")
    services.order_update_draft(order=order, lines=[(p_big.pk, 6)])
    submitted = walk(order, Status.SUBMITTED)
    with pytest.raises(Conflict) as conflict:
        services.order_update_draft(order=submitted, lines=[(p1.pk, 6)])
    assert conflict.value.code == "order_not_draft"
