"""The owner's order endpoints: success, validation, other tenants (404), clerk limits."""

from __future__ import annotations

import json

import pytest

from replenishment import services
from replenishment.models import ReplenishmentOrder
from stores.models import StockLevel
from tests.replenishment.helpers import walk, wh_stock

pytestmark = [pytest.mark.django_db]
Status = ReplenishmentOrder.Status


def orders_url(store) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/stores/{store.pk}/orders/"


def order_url(order, action: str = "") -> str:  # type: ignore[no-untyped-def]
    suffix = f"{action}/" if action else ""
    return f"/api/v1/stores/{order.store_id}/orders/{order.pk}/{suffix}"


@pytest.fixture
def products(stocked):  # type: ignore[no-untyped-def]
    return stocked(on_hand=60, case_pack=6, unit_cost="10.00"), stocked(case_pack=12)


@pytest.fixture
def draft(alice, products):  # type: ignore[no-untyped-def]
    p1, p2 = products
    return services.order_create_draft(
        store=alice.store, lines=[(p1.pk, 12), (p2.pk, 24)], user=alice.user
    )


# --- create ------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_create_draft(alice, products) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = products
    res = alice.client.post(
        orders_url(alice.store),
        {
            "lines": [{"product": p1.pk, "quantity": 12}, {"product": p2.pk, "cases": 1}],
            "note": "x",
        },
    )
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["status"] == "draft" and body["note"] == "x"
    assert [(line["quantity"], line["cases"]) for line in body["lines"]] == [(12, 2), (12, 1)]
    assert body["total"] == "240.00" and body["currency"] == "CNY"
    assert body["events"] == []


def test_create_validation_names_the_field(alice, products) -> None:  # type: ignore[no-untyped-def]
    p1, _ = products
    res = alice.client.post(
        orders_url(alice.store),
        {"lines": [{"product": p1.pk, "quantity": 6}, {"product": p1.pk + 1000, "quantity": 7}]},
    )
    assert res.status_code == 400
    assert res.json()["code"] == "validation_error"
    assert set(res.json()["fields"]) == {"lines[1].product"}
    res = alice.client.post(
        orders_url(alice.store),
        {"lines": [{"product": p1.pk, "quantity": 6}, {"product": p1.pk, "quantity": "x"}]},
    )
    assert res.status_code == 400
    assert set(res.json()["fields"]) == {"lines[1].quantity"}
    res = alice.client.post(orders_url(alice.store), {"lines": [{"product": p1.pk, "quantity": 7}]})
    assert res.status_code == 400
    assert "lines[0].quantity" in res.json()["fields"]
    res = alice.client.post(orders_url(alice.store), {"lines": []})
    assert res.status_code == 400 and "lines" in res.json()["fields"]


def test_create_in_another_store_is_404_and_clerk_is_403(alice, bob, carol, products) -> None:  # type: ignore[no-untyped-def]
    p1, _ = products
    body = {"lines": [{"product": p1.pk, "quantity": 6}]}
    assert bob.client.post(orders_url(alice.store), body).status_code == 404
    res = carol.client.post(orders_url(alice.store), body)
    assert (res.status_code, res.json()["code"]) == (403, "owner_only")
    assert not ReplenishmentOrder.objects.exists()


def test_anonymous_is_401(anon, alice) -> None:  # type: ignore[no-untyped-def]
    assert anon.get(orders_url(alice.store)).status_code == 401


def test_schema_documents_401_everywhere_and_the_list_page(anon) -> None:  # type: ignore[no-untyped-def]
    """Fuzzer findings: a request without a token got an undocumented 401, and the list was
    documented as a bare array while it answers a page (`count`, `next`, `results`)."""
    paths = json.loads(anon.get("/api/schema/", {"format": "json"}).content)["paths"]
    ours = {
        p: item for p, item in paths.items() if p.startswith("/api/v1/stores/{store_id}/orders/")
    }
    assert len(ours) == 6
    for path, item in ours.items():
        for method, operation in item.items():
            assert "401" in operation["responses"], f"{method} {path}"
    listed = paths["/api/v1/stores/{store_id}/orders/"]["get"]["responses"]["200"]
    ref = listed["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/PaginatedOrderListOutputList"


# --- list and detail ---------------------------------------------------------------------------


def test_list_with_status_filter_and_constant_queries(  # type: ignore[no-untyped-def]
    alice, bob, carol, products, django_assert_num_queries
) -> None:
    p1, _ = products
    for _ in range(3):
        services.order_create_draft(store=alice.store, lines=[(p1.pk, 6)])
    submitted = walk(
        services.order_create_draft(store=alice.store, lines=[(p1.pk, 12)]), "submitted"
    )
    services.order_create_draft(store=bob.store, lines=[(p1.pk, 6)])
    with django_assert_num_queries(3):  # membership, count, page
        res = alice.client.get(orders_url(alice.store))
    body = res.json()
    assert body["count"] == 4 and len(body["results"]) == 4
    assert body["results"][0]["line_count"] == 1
    for _ in range(10):
        services.order_create_draft(store=alice.store, lines=[(p1.pk, 6)])
    with django_assert_num_queries(3):
        alice.client.get(orders_url(alice.store))
    res = carol.client.get(orders_url(alice.store) + "?status=submitted")
    assert [o["id"] for o in res.json()["results"]] == [submitted.pk]
    res = alice.client.get(orders_url(alice.store) + "?status=nonsense")
    assert res.status_code == 400 and "status" in res.json()["fields"]
    assert bob.client.get(orders_url(alice.store)).status_code == 404


def test_detail_with_lines_and_events(alice, bob, carol, draft, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    walk(draft, Status.CONFIRMED, alice.user)
    with django_assert_num_queries(4):  # membership, order, lines, events
        res = carol.client.get(order_url(draft))
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "confirmed"
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in body["events"]] == [
        ("draft", "submitted", "alice"),
        ("submitted", "confirmed", "alice"),
    ]
    assert body["lines"][0]["quantity_reserved"] == 12
    assert bob.client.get(order_url(draft)).status_code == 404
    res = alice.client.get(f"/api/v1/stores/{alice.store.pk}/orders/nope/")
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    # Bob's order through Alice's store path is just as missing.
    bobs = services.order_create_draft(store=bob.store, lines=[(draft.lines.first().product_id, 6)])
    assert alice.client.get(f"{orders_url(alice.store)}{bobs.pk}/").status_code == 404


# --- edit --------------------------------------------------------------------------------------


def test_patch_draft(alice, bob, carol, draft, products) -> None:  # type: ignore[no-untyped-def]
    p1, _ = products
    res = alice.client.patch(order_url(draft), {"lines": [{"product": p1.pk, "cases": 3}]})
    assert res.status_code == 200
    assert [line["quantity"] for line in res.json()["lines"]] == [18]
    res = alice.client.patch(order_url(draft), {"lines": [{"product": p1.pk, "quantity": 5}]})
    assert res.status_code == 400 and "lines[0].quantity" in res.json()["fields"]
    res = alice.client.patch(order_url(draft), {"note": "只改备注"})
    assert res.status_code == 200 and res.json()["note"] == "只改备注"
    assert len(res.json()["lines"]) == 1
    assert bob.client.patch(order_url(draft), {"note": "x"}).status_code == 404
    assert carol.client.patch(order_url(draft), {"note": "x"}).status_code == 403
    walk(draft, Status.SUBMITTED)
    res = alice.client.patch(order_url(draft), {"note": "late"})
    assert (res.status_code, res.json()["code"]) == (409, "order_not_draft")


# --- quote -------------------------------------------------------------------------------------


def test_quote(alice, bob, carol, warehouse, draft, products) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = products
    res = carol.client.get(order_url(draft, "quote"))
    assert res.status_code == 200
    body = res.json()
    assert body["total"] == "360.00"  # (12 + 24) * 10.00
    assert body["min_order_value"] == "100.00" and body["meets_minimum"] is True
    assert body["missing_to_minimum"] == "0.00"
    assert body["fully_available"] is True
    assert body["promised_delivery_date"]
    assert [(q["product"]["id"], q["available"], q["shortfall"]) for q in body["lines"]] == [
        (p1.pk, 60, 0),
        (p2.pk, 120, 0),
    ]
    assert bob.client.get(order_url(draft, "quote")).status_code == 404
    walk(draft, Status.SUBMITTED)
    res = alice.client.get(order_url(draft, "quote"))
    assert (res.status_code, res.json()["code"]) == (409, "order_not_draft")


def test_quote_shows_shortfall_and_missing_minimum(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked(on_hand=6, unit_cost="5.00")
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 12)])
    body = alice.client.get(order_url(order, "quote")).json()
    assert body["total"] == "60.00"
    assert (body["meets_minimum"], body["missing_to_minimum"]) == (False, "40.00")
    assert body["fully_available"] is False
    assert body["lines"][0]["shortfall"] == 6


# --- submit ------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_submit(alice, warehouse, draft, products) -> None:  # type: ignore[no-untyped-def]
    res = alice.client.post(order_url(draft, "submit"), {}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["cuts"] == []
    assert body["order"]["status"] == "submitted"
    assert body["order"]["promised_delivery_date"]
    assert body["order"]["events"][0]["data"]["allow_partial"] is False
    assert wh_stock(warehouse, products[0]).reserved == 12


def test_submit_shortfall_409_and_partial(alice, warehouse, stocked) -> None:  # type: ignore[no-untyped-def]
    big, small = stocked(on_hand=120, unit_cost="10.00"), stocked(on_hand=8, unit_cost="10.00")
    order = services.order_create_draft(store=alice.store, lines=[(big.pk, 12), (small.pk, 18)])
    res = alice.client.post(order_url(order, "submit"), {"allow_partial": False})
    assert res.status_code == 409
    err = res.json()
    assert err["code"] == "insufficient_stock"
    assert "lines[1].quantity" in err["fields"]
    assert err["fields"]["shortfall"] == [
        {"line": 1, "product": small.pk, "requested": 18, "available": 6}
    ]
    res = alice.client.post(order_url(order, "submit"), {"allow_partial": True})
    assert res.status_code == 200
    body = res.json()
    assert body["cuts"] == [
        {
            "line": 1,
            "line_id": body["order"]["lines"][1]["id"],
            "product": small.pk,
            "requested": 18,
            "reserved": 6,
            "cut": 12,
        }
    ]
    assert [line["quantity_cut"] for line in body["order"]["lines"]] == [0, 12]
    assert [line["line_total"] for line in body["order"]["lines"]] == ["120.00", "60.00"]
    assert body["order"]["total"] == "180.00"


def test_submit_validation_other_tenant_and_clerk(alice, bob, carol, draft) -> None:  # type: ignore[no-untyped-def]
    res = alice.client.post(order_url(draft, "submit"), {"allow_partial": "perhaps"})
    assert res.status_code == 400 and "allow_partial" in res.json()["fields"]
    assert bob.client.post(order_url(draft, "submit"), {}).status_code == 404
    res = carol.client.post(order_url(draft, "submit"), {})
    assert (res.status_code, res.json()["code"]) == (403, "owner_only")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_submit_below_minimum_names_the_total(alice, stocked) -> None:  # type: ignore[no-untyped-def]
    p = stocked(unit_cost="1.00")
    order = services.order_create_draft(store=alice.store, lines=[(p.pk, 6)])
    res = alice.client.post(order_url(order, "submit"), {})
    assert (res.status_code, res.json()["code"]) == (409, "below_minimum_order_value")
    assert res.json()["fields"]["total"] == ["6.00"]


def test_submit_twice_with_one_key_reserves_once_and_replays(
    alice, warehouse, draft, products
) -> None:  # type: ignore[no-untyped-def]
    first = alice.client.post(order_url(draft, "submit"), {}, HTTP_IDEMPOTENCY_KEY="same")
    again = alice.client.post(order_url(draft, "submit"), {}, HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert wh_stock(warehouse, products[0]).reserved == 12
    assert draft.events.count() == 1
    other = alice.client.post(
        order_url(draft, "submit"), {"allow_partial": True}, HTTP_IDEMPOTENCY_KEY="same"
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    without_key = alice.client.post(order_url(draft, "submit"), {})
    assert (without_key.status_code, without_key.json()["code"]) == (409, "illegal_transition")


# --- cancel ------------------------------------------------------------------------------------


def test_cancel(alice, bob, carol, warehouse, draft, products) -> None:  # type: ignore[no-untyped-def]
    walk(draft, Status.CONFIRMED)
    assert bob.client.post(order_url(draft, "cancel"), {}).status_code == 404
    assert carol.client.post(order_url(draft, "cancel"), {}).status_code == 403
    res = alice.client.post(order_url(draft, "cancel"), {"note": "x" * 301})
    assert res.status_code == 400 and "note" in res.json()["fields"]
    res = alice.client.post(order_url(draft, "cancel"), {"note": "买多了"})
    assert res.status_code == 200
    assert res.json()["status"] == "cancelled"
    assert res.json()["events"][-1]["note"] == "买多了"
    assert [wh_stock(warehouse, p).reserved for p in products] == [0, 0]
    res = alice.client.post(order_url(draft, "cancel"), {})
    assert (res.status_code, res.json()["code"]) == (409, "illegal_transition")


# --- receive -----------------------------------------------------------------------------------


def test_receive(alice, bob, carol, draft, products) -> None:  # type: ignore[no-untyped-def]
    p1, p2 = products
    walk(draft, Status.DELIVERED)
    assert bob.client.post(order_url(draft, "receive"), {}).status_code == 404
    assert carol.client.post(order_url(draft, "receive"), {}).status_code == 403
    res = alice.client.post(
        order_url(draft, "receive"), {"lines": [{"product": p2.pk, "quantity_received": -1}]}
    )
    assert res.status_code == 400 and "lines[0].quantity_received" in res.json()["fields"]
    res = alice.client.post(
        order_url(draft, "receive"), {"lines": [{"product": p2.pk, "quantity_received": 30}]}
    )
    assert res.status_code == 400 and "lines[0].quantity_received" in res.json()["fields"]
    res = alice.client.post(
        order_url(draft, "receive"),
        {
            "lines": [
                {"product": p2.pk, "quantity_received": 20, "quantity_damaged": 1, "note": "漏了"}
            ]
        },
    )
    assert res.status_code == 200, res.json()
    line = res.json()["lines"][1]
    assert (line["quantity_received"], line["quantity_damaged"], line["quantity_short"]) == (
        20,
        1,
        3,
    )
    levels = dict(StockLevel.objects.filter(store=alice.store).values_list("product_id", "on_hand"))
    assert levels == {p1.pk: 12, p2.pk: 20}


def test_messages_speak_the_clients_language(alice, draft) -> None:  # type: ignore[no-untyped-def]
    walk(draft, Status.SUBMITTED)
    zh = alice.client.post(order_url(draft, "submit"), {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = alice.client.post(order_url(draft, "submit"), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.json()["code"] == en.json()["code"] == "illegal_transition"
    assert zh.json()["message"] == "状态为“已提交”的订单不能变为“已提交”。"
    assert en.json()["message"] == "A Submitted order cannot become Submitted."
