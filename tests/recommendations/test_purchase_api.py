"""Purchase suggestions in the owner's app: list, accept into a draft order, dismiss, budget."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recommendations.models import PurchaseSuggestion, SuggestionFeedback, SuggestionStatus
from replenishment.models import ReplenishmentOrder
from tests.catalog.factories import ProductFactory
from tests.recommendations.factories import PurchaseSuggestionFactory
from tests.replenishment.factories import WarehouseStockFactory

pytestmark = pytest.mark.django_db


def _url(store_id: int, tail: str = "") -> str:
    return f"/api/v1/stores/{store_id}/suggestions/{tail}"


@pytest.fixture
def lines(alice, warehouse):  # type: ignore[no-untyped-def]
    out = []
    for days, pack in ((4.0, 6), (0.5, 12), (None, 1)):
        p = ProductFactory(case_pack=pack, unit_cost=Decimal("3.00"))
        WarehouseStockFactory(
            warehouse=warehouse, product=p, on_hand=500, unit_cost=Decimal("3.00")
        )
        out.append(
            PurchaseSuggestionFactory(
                store=alice.store,
                product=p,
                case_pack=pack,
                quantity=pack * 2,
                unit_cost=Decimal("3.00"),
                days_until_stockout=None if days is None else Decimal(str(days)),
            )
        )
    return out


@pytest.mark.smoke
def test_list_is_sorted_by_urgency_with_a_basket_summary(alice, lines, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    r = alice.client.get(_url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [line["id"] for line in body["lines"]] == [lines[1].pk, lines[0].pk, lines[2].pk]
    # 12*3 + 24*3 + 2*3 = 114 < the warehouse minimum of 100? -> 114 >= 100 meets it.
    assert body["basket"]["total"] == "114.00"
    assert body["basket"]["meets_minimum"] is True
    first = body["lines"][0]
    assert first["cases"] == 2 and first["line_total"] == "72.00"
    assert first["reason"]["weekly_units"] == 14.0
    assert "sells ~14/week, 3 left, next delivery" in first["reason_text"]
    assert first["on_hand_now"] is None  # no stock level kept for it: nothing to say "now"


def test_reason_text_is_translated(alice, lines) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(_url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "每周约卖" in r.json()["lines"][0]["reason_text"]


def test_list_query_count_does_not_grow_with_lines(
    alice, lines, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(5):
        alice.client.get(_url(alice.store.pk))
    for _ in range(10):
        PurchaseSuggestionFactory(store=alice.store)
    with django_assert_max_num_queries(5):
        assert len(alice.client.get(_url(alice.store.pk)).json()["lines"]) == 13


def test_accept_selected_with_an_edit_creates_a_draft_and_records_feedback(alice, lines) -> None:  # type: ignore[no-untyped-def]
    body = {"lines": [{"id": lines[0].pk}, {"id": lines[1].pk, "quantity": 36}]}
    r = alice.client.post(_url(alice.store.pk, "accept/"), body, format="json")
    assert r.status_code == 201, r.content
    order = ReplenishmentOrder.objects.get(pk=r.json()["order_id"])
    assert order.status == ReplenishmentOrder.Status.DRAFT and order.store == alice.store
    assert sorted(order.lines.values_list("product_id", "quantity")) == sorted(
        [(lines[0].product_id, 12), (lines[1].product_id, 36)]
    )
    statuses = dict(PurchaseSuggestion.objects.values_list("pk", "status"))
    assert statuses[lines[0].pk] == statuses[lines[1].pk] == SuggestionStatus.ACCEPTED
    assert statuses[lines[2].pk] == SuggestionStatus.PENDING
    actions = dict(SuggestionFeedback.objects.values_list("product_id", "action"))
    assert actions == {lines[0].product_id: "accepted", lines[1].product_id: "edited"}


def test_accept_all_takes_every_pending_line(alice, lines) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(_url(alice.store.pk, "accept/"), {}, format="json")
    assert r.status_code == 201
    assert r.json()["lines"] == 3
    # Fuzzer finding: the total was a JSON number (24.0); money is a decimal string.
    order = ReplenishmentOrder.objects.get(pk=r.json()["order_id"])
    assert r.json()["total"] == f"{order.total:.2f}"
    assert not PurchaseSuggestion.objects.filter(status=SuggestionStatus.PENDING).exists()


def test_accept_with_a_quantity_off_the_case_pack_is_refused_naming_the_line(alice, lines) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(
        _url(alice.store.pk, "accept/"),
        {"lines": [{"id": lines[1].pk, "quantity": 13}]},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] in {"validation_error", "not_case_pack_multiple", "invalid"}
    assert any("quantity" in k for k in r.json()["fields"])
    assert not ReplenishmentOrder.objects.exists()
    assert PurchaseSuggestion.objects.get(pk=lines[1].pk).status == SuggestionStatus.PENDING


def test_accept_twice_is_a_conflict_and_idempotency_key_replays(alice, lines) -> None:  # type: ignore[no-untyped-def]
    url = _url(alice.store.pk, "accept/")
    body = {"lines": [{"id": lines[0].pk}]}
    first = alice.client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = alice.client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ReplenishmentOrder.objects.count() == 1
    conflict = alice.client.post(url, body, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "suggestion_answered"


def test_dismiss_records_the_reason(alice, lines) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(
        _url(alice.store.pk, f"{lines[0].pk}/dismiss/"),
        {"reason": "supplier promo next week"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    fb = SuggestionFeedback.objects.get()
    assert (fb.action, fb.reason, fb.final_quantity) == ("dismissed", "supplier promo next week", 0)


def test_another_store_owner_gets_404_everywhere(alice, bob, lines) -> None:  # type: ignore[no-untyped-def]
    sid = alice.store.pk
    assert bob.client.get(_url(sid)).status_code == 404
    assert bob.client.post(_url(sid, "accept/"), {}, format="json").status_code == 404
    assert (
        bob.client.post(_url(sid, f"{lines[0].pk}/dismiss/"), {}, format="json").status_code == 404
    )
    assert bob.client.get(f"/api/v1/stores/{sid}/purchase-settings/").status_code == 404
    # Bob's own store with Alice's suggestion id: not found, exactly like a missing id.
    r = bob.client.post(_url(bob.store.pk, f"{lines[0].pk}/dismiss/"), {}, format="json")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    missing = bob.client.post(_url(bob.store.pk, "999999/dismiss/"), {}, format="json")
    assert missing.json() == r.json()
    assert lines[0].__class__.objects.get(pk=lines[0].pk).status == "pending"


def test_a_clerk_reads_but_cannot_accept_or_dismiss(carol, lines) -> None:  # type: ignore[no-untyped-def]
    sid = carol.store.pk
    assert carol.client.get(_url(sid)).status_code == 200
    r = carol.client.post(_url(sid, "accept/"), {}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "owner_only"
    assert (
        carol.client.post(_url(sid, f"{lines[0].pk}/dismiss/"), {}, format="json").status_code
        == 403
    )


def test_budget_setting_validates_and_round_trips(alice) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/stores/{alice.store.pk}/purchase-settings/"
    assert alice.client.put(url, {"budget": "-5"}, format="json").status_code == 400
    assert alice.client.put(url, {"budget": "800.00"}, format="json").json() == {"budget": "800.00"}
    assert alice.client.get(url).json() == {"budget": "800.00"}
    assert alice.client.put(url, {"budget": None}, format="json").json() == {"budget": None}
