"""The admin shows orders with lines and events and moves them only through the services."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from replenishment import services
from replenishment.models import ReplenishmentOrder
from replenishment.services import ReceiptSpec
from tests.replenishment.helpers import walk, wh_stock

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Status = ReplenishmentOrder.Status
CHANGELIST = "/admin/replenishment/replenishmentorder/"


@pytest.fixture
def orders(alice, bob, stocked):  # type: ignore[no-untyped-def]
    p = stocked(on_hand=100)
    draft = services.order_create_draft(store=alice.store, lines=[(p.pk, 12)])
    submitted = walk(services.order_create_draft(store=bob.store, lines=[(p.pk, 12)]), "submitted")
    return draft, submitted, p


def test_changelist_and_filters(admin_client, orders, warehouse, alice) -> None:  # type: ignore[no-untyped-def]
    _draft, _submitted, _ = orders
    assert admin_client.get(CHANGELIST).status_code == 200
    for query in (
        "?status=submitted",
        f"?warehouse__id__exact={warehouse.pk}",
        f"?store__territory__id__exact={alice.store.territory_id}",
        "?discrepancy=yes",
        "?discrepancy=no",
    ):
        assert admin_client.get(CHANGELIST + query).status_code == 200, query
    res = admin_client.get(CHANGELIST + "?status=submitted")
    assert res.context["cl"].result_count == 1


def test_change_page_shows_lines_and_events(admin_client, orders) -> None:  # type: ignore[no-untyped-def]
    _, submitted, _ = orders
    res = admin_client.get(f"{CHANGELIST}{submitted.pk}/change/")
    assert res.status_code == 200
    body = res.content.decode()
    assert "quantity_reserved" in body or "Quantity reserved" in body
    assert "submitted" in body


def test_discrepancy_filter_finds_short_deliveries(admin_client, orders) -> None:  # type: ignore[no-untyped-def]
    _, submitted, p = orders
    order = walk(submitted, Status.DELIVERED)
    services.order_receive(order=order, receipts=[ReceiptSpec(p.pk, 10)])
    res = admin_client.get(CHANGELIST + "?discrepancy=yes")
    assert [o.pk for o in res.context["cl"].result_list] == [order.pk]


def test_actions_call_the_services_and_report_failures(admin_client, orders, warehouse) -> None:  # type: ignore[no-untyped-def]
    draft, submitted, p = orders
    res = admin_client.post(
        CHANGELIST,
        {"action": "confirm_orders", "_selected_action": [draft.pk, submitted.pk]},
        follow=True,
    )
    texts = [str(m) for m in get_messages(res.wsgi_request)]
    assert any(f"#{draft.pk}" in t and "illegal_transition" in t for t in texts), texts
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert (submitted.status, draft.status) == (Status.CONFIRMED, Status.DRAFT)
    assert submitted.events.latest("id").actor.is_superuser

    admin_client.post(CHANGELIST, {"action": "reject_orders", "_selected_action": [submitted.pk]})
    submitted.refresh_from_db()
    assert submitted.status == Status.REJECTED and submitted.reject_reason
    assert wh_stock(warehouse, p).reserved == 0


def test_ship_action_moves_stock(admin_client, orders, warehouse) -> None:  # type: ignore[no-untyped-def]
    _, submitted, p = orders
    walk(submitted, Status.PICKING)
    admin_client.post(CHANGELIST, {"action": "ship_orders", "_selected_action": [submitted.pk]})
    row = wh_stock(warehouse, p)
    assert (row.on_hand, row.reserved) == (88, 0)


def test_no_adding_or_deleting_orders_in_the_admin(admin_client, orders) -> None:  # type: ignore[no-untyped-def]
    _, submitted, _ = orders
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.get(f"{CHANGELIST}{submitted.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/replenishment/orderevent/").status_code == 200
