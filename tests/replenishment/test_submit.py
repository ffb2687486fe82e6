"""Submitting: reservation, shortfall, partial acceptance, minimum order value, pricing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lst.errors import Conflict, ValidationFailed
from replenishment import services
from replenishment.models import ReplenishmentOrder, WarehouseStock
from stores.models import Store
from tests.replenishment.helpers import wh_stock

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status


def test_submit_reserves_every_line_at_the_warehouse_price_of_the_day(  # type: ignore[no-untyped-def]
    alice, warehouse, stocked
) -> None:
    p1, p2 = stocked(on_hand=30, unit_cost="5.00"), stocked(on_hand=30, unit_cost="3.00")
    order = services.order_create_draft(store=alice.store, lines=[(p1.pk, 12), (p2.pk, 24)])
    WarehouseStock.objects.filter(product=p1).update(unit_cost=Decimal("6.00"))  # price moved
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # Monday 17:00 in Shanghai
    result = services.order_submit(order=order, user=alice.user, now=now)
    order.refresh_from_db()
    assert result.cuts == []
    assert order.status == Status.SUBMITTED
    assert order.total == Decimal("144.00")  # 12 * 6.00 + 24 * 3.00
    assert order.submitted_at == now
    assert order.promised_delivery_date == dt.date(2026, 3, 3)  # before 18:00 cut-off, 1 day
    lines = list(order.lines.order_by("id"))
    assert [(line.quantity_reserved, line.unit_cost) for line in lines] == [
        (12, Decimal("6.00")),
        (24, Decimal("3.00")),
    ]
    assert (wh_stock(warehouse, p1).reserved, wh_stock(warehouse, p2).reserved) == (12, 24)
    event = order.events.get()
    assert event.data["allow_partial"] is False and event.data["total"] == "144.00"


def test_shortfall_is_a_409_per_line_and_reserves_nothing(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    plenty, short = stocked(on_hand=100), stocked(on_hand=20, reserved=10)
    order = services.order_create_draft(store=alice.store, lines=[(plenty.pk, 12), (short.pk, 18)])
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order)
    assert err.value.code == "insufficient_stock"
    assert set(err.value.fields) == {"lines[1].quantity", "shortfall"}
    assert err.value.fields["shortfall"] == [
        {"line": 1, "product": short.pk, "requested": 18, "available": 6}
    ]
    assert wh_stock(warehouse, plenty).reserved == 0
    assert wh_stock(warehouse, short).reserved == 10
    order.refresh_from_db()
    assert order.status == Status.DRAFT and not order.events.exists()


def test_partial_reserves_whole_cases_and_keeps_empty_lines_at_zero(  # type: ignore[no-untyped-def]
    alice, warehouse, stocked
) -> None:
    full = stocked(on_hand=100, unit_cost="10.00")
    cut = stocked(on_hand=17, case_pack=6, unit_cost="10.00")  # 17 available -> 2 cases
    gone = stocked(on_hand=5, reserved=5, unit_cost="10.00")
    order = services.order_create_draft(
        store=alice.store, lines=[(full.pk, 12), (cut.pk, 30), (gone.pk, 6)]
    )
    result = services.order_submit(order=order, allow_partial=True)
    assert [(c.index, c.requested, c.reserved, c.cut) for c in result.cuts] == [
        (1, 30, 12, 18),
        (2, 6, 0, 6),
    ]
    order.refresh_from_db()
    assert [line.quantity_reserved for line in order.lines.order_by("id")] == [12, 12, 0]
    assert order.total == Decimal("240.00")
    assert wh_stock(warehouse, cut).reserved == 12
    assert wh_stock(warehouse, gone).reserved == 5
    assert order.events.get().data["cuts"] == [
        {"product": cut.pk, "requested": 30, "reserved": 12},
        {"product": gone.pk, "requested": 6, "reserved": 0},
    ]
    services.order_cancel(order=order)
    assert [wh_stock(warehouse, p).reserved for p in (full, cut, gone)] == [0, 0, 5]


def test_partial_cuts_below_the_minimum_are_refused(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    warehouse.min_order_value = Decimal("100.00")
    warehouse.save()
    p = stocked(on_hand=6, unit_cost="10.00")
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 12)])
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order, allow_partial=True)
    assert err.value.code == "below_minimum_order_value"
    assert err.value.fields["total"] == ["60.00"]
    assert wh_stock(warehouse, p).reserved == 0


def test_nothing_available_at_all_is_a_shortfall_even_when_partial(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked(on_hand=0)
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 6)])
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order, allow_partial=True)
    assert err.value.code == "insufficient_stock"


def test_minimum_order_value_is_checked_on_submit(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    warehouse.min_order_value = Decimal("100.00")
    warehouse.save()
    p = stocked(unit_cost="8.00")
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 12)])
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order)
    assert err.value.code == "below_minimum_order_value"
    assert err.value.fields == {"total": ["96.00"], "min_order_value": ["100.00"]}
    services.order_update_draft(order=order, lines=[(p.pk, 18)])
    assert services.order_submit(order=order).order.total == Decimal("144.00")


def test_a_product_the_warehouse_stopped_stocking_is_a_line_error(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = stocked(), stocked()
    order = services.order_create_draft(store=alice.store, lines=[(p1.pk, 6), (p2.pk, 6)])
    WarehouseStock.objects.filter(product=p2).delete()
    with pytest.raises(ValidationFailed) as err:
        services.order_submit(order=order)
    assert set(err.value.fields) == {"lines[1].product"}


def test_a_suspended_store_cannot_submit(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked()
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 6)])
    Store.objects.filter(pk=alice.store.pk).update(status=Store.Status.SUSPENDED)
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order)
    assert err.value.code == "store_suspended"


def test_no_delivery_weekday_is_a_conflict_not_a_crash(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    warehouse.delivery_weekdays = []
    warehouse.save()
    p = stocked()
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 6)])
    with pytest.raises(Conflict) as err:
        services.order_submit(order=order)
    assert err.value.code == "no_delivery_schedule"
