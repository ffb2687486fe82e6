"""The warehouse system's endpoints: its queue, transitions, bulk update; scoped to its warehouse."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from replenishment import services
from replenishment.models import ReplenishmentOrder
from replenishment.services import ReceiptSpec
from tests.replenishment.factories import WarehouseAccountFactory, WarehouseFactory
from tests.replenishment.helpers import walk, wh_stock

pytestmark = [pytest.mark.django_db]
Status = ReplenishmentOrder.Status
BASE = "/api/v1/warehouse/orders/"


def url(order, action: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"{BASE}{order.pk}/{action + '/' if action else ''}"


@pytest.fixture
def product(stocked):  # type: ignore[no-untyped-def]
    return stocked(on_hand=100, unit_cost="10.00")


@pytest.fixture
def submitted(alice, product):  # type: ignore[no-untyped-def]
    order = services.order_create_draft(store=alice.store, lines=[(product.pk, 12)])
    return walk(order, Status.SUBMITTED, alice.user)


@pytest.fixture
def other_wms():  # type: ignore[no-untyped-def]
    account = WarehouseAccountFactory(warehouse=WarehouseFactory())
    client = APIClient()
    client.force_authenticate(user=account.user)
    return client


def test_only_warehouse_accounts_get_in(alice, anon) -> None:  # type: ignore[no-untyped-def]
    res = alice.client.get(BASE)
    assert (res.status_code, res.json()["code"]) == (403, "warehouse_only")
    assert anon.get(BASE).status_code == 401


def test_schema_documents_401_everywhere_and_the_queue_page(anon) -> None:  # type: ignore[no-untyped-def]
    """Fuzzer findings: a request without a token got an undocumented 401, and the queue was
    documented as a bare array while it answers a page."""
    paths = json.loads(anon.get("/api/schema/", {"format": "json"}).content)["paths"]
    ours = {p: item for p, item in paths.items() if p.startswith(BASE)}
    assert len(ours) == 8
    for path, item in ours.items():
        for method, operation in item.items():
            assert "401" in operation["responses"], f"{method} {path}"
    queue = paths[BASE]["get"]["responses"]
    assert queue["200"]["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/Paginated"
    )
    assert "404" in queue  # a page past the end


@pytest.mark.smoke
def test_queue_lists_own_non_draft_orders_oldest_first(  # type: ignore[no-untyped-def]
    wms, other_wms, alice, bob, product, django_assert_num_queries
) -> None:
    first = walk(
        services.order_create_draft(store=bob.store, lines=[(product.pk, 12)]), "submitted"
    )
    second = walk(
        services.order_create_draft(store=alice.store, lines=[(product.pk, 12)]), "confirmed"
    )
    services.order_create_draft(store=alice.store, lines=[(product.pk, 12)])  # a draft: private
    with django_assert_num_queries(3):  # account, count, page
        res = wms.client.get(BASE)
    assert [o["id"] for o in res.json()["results"]] == [first.pk, second.pk]
    assert res.json()["results"][0]["store"]["code"] == "bob-store"
    res = wms.client.get(BASE + "?status=confirmed")
    assert [o["id"] for o in res.json()["results"]] == [second.pk]
    res = wms.client.get(BASE + "?status=bogus")
    assert res.status_code == 400 and "status" in res.json()["fields"]
    assert other_wms.get(BASE).json()["count"] == 0


def test_detail_shows_discrepancies(wms, other_wms, alice, submitted, product) -> None:  # type: ignore[no-untyped-def]
    order = walk(submitted, Status.DELIVERED)
    services.order_receive(
        order=order, receipts=[ReceiptSpec(product.pk, 9, 1, "湿了")], user=alice.user
    )
    res = wms.client.get(url(order))
    assert res.status_code == 200
    line = res.json()["lines"][0]
    assert (line["quantity_received"], line["quantity_damaged"], line["quantity_short"]) == (
        9,
        1,
        2,
    )
    assert line["discrepancy_note"] == "湿了"
    assert res.json()["events"][-1]["data"]["discrepancies"][0]["short"] == 2
    assert other_wms.get(url(order)).status_code == 404
    assert wms.client.get(f"{BASE}abc/").status_code == 404


def test_draft_is_invisible_to_the_warehouse(wms, alice, product) -> None:  # type: ignore[no-untyped-def]
    draft = services.order_create_draft(store=alice.store, lines=[(product.pk, 12)])
    assert wms.client.get(url(draft)).status_code == 404
    assert wms.client.post(url(draft, "confirm")).status_code == 404


@pytest.mark.smoke
def test_confirm_pick_ship_deliver(wms, warehouse, submitted, product) -> None:  # type: ignore[no-untyped-def]
    for action, status in [
        ("confirm", "confirmed"),
        ("pick", "picking"),
        ("ship", "shipped"),
        ("deliver", "delivered"),
    ]:
        res = wms.client.post(url(submitted, action))
        assert res.status_code == 200, res.json()
        assert res.json()["status"] == status
        assert res.json()["events"][-1]["actor"] == wms.user.username
    row = wh_stock(warehouse, product)
    assert (row.on_hand, row.reserved) == (88, 0)


@pytest.mark.parametrize("action", ["confirm", "pick", "ship", "deliver", "reject"])
def test_each_action_is_scoped_and_illegal_moves_are_409(  # type: ignore[no-untyped-def]
    wms, other_wms, submitted, action: str
) -> None:
    assert other_wms.post(url(submitted, action), {"reason": "x"}).status_code == 404
    services.order_cancel(order=submitted)
    res = wms.client.post(url(submitted, action), {"reason": "x"})
    assert (res.status_code, res.json()["code"]) == (409, "illegal_transition")


def test_reject_needs_a_reason_and_releases(wms, warehouse, submitted, product) -> None:  # type: ignore[no-untyped-def]
    res = wms.client.post(url(submitted, "reject"), {})
    assert res.status_code == 400 and "reason" in res.json()["fields"]
    res = wms.client.post(url(submitted, "reject"), {"reason": "缺货"})
    assert res.status_code == 200
    assert (res.json()["status"], res.json()["reject_reason"]) == ("rejected", "缺货")
    assert wh_stock(warehouse, product).reserved == 0


def test_bulk_status_all_or_nothing(wms, other_wms, alice, bob, product) -> None:  # type: ignore[no-untyped-def]
    a = walk(services.order_create_draft(store=alice.store, lines=[(product.pk, 12)]), "submitted")
    b = walk(services.order_create_draft(store=bob.store, lines=[(product.pk, 12)]), "submitted")
    bulk = BASE + "bulk-status/"
    res = wms.client.post(
        bulk, {"items": [{"order": a.pk, "action": "confirm"}, {"order": b.pk, "action": "ship"}]}
    )
    assert res.status_code == 409
    assert res.json()["code"] == "bulk_failed"
    assert list(res.json()["fields"]) == ["items[1]"]
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED
    res = wms.client.post(bulk, {"items": [{"order": a.pk, "action": "teleport"}]})
    assert res.status_code == 400 and "items[0].action" in res.json()["fields"]
    res = other_wms.post(bulk, {"items": [{"order": a.pk, "action": "confirm"}]})
    assert res.status_code == 409 and res.json()["fields"]["items[0]"][0].startswith("not_found")
    res = wms.client.post(
        bulk,
        {"items": [{"order": a.pk, "action": "confirm"}, {"order": b.pk, "action": "confirm"}]},
        HTTP_IDEMPOTENCY_KEY="wave-1",
    )
    assert res.status_code == 200
    assert res.json() == [{"id": a.pk, "status": "confirmed"}, {"id": b.pk, "status": "confirmed"}]
    assert alice.client.post(bulk, {"items": []}).status_code == 403
