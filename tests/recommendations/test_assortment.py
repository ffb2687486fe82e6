"""Weekly assortment run and the assortment endpoints (list, accept, dismiss)."""

from __future__ import annotations

import pytest

from recommendations.models import AssortmentSuggestion, SuggestionFeedback, TrainingRun
from recommendations.services import assortment
from recommendations.tasks import weekly_assortment
from replenishment.models import ReplenishmentOrder
from replenishment.services import order_create_draft
from stores.models import StockLevel


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def suggested(chain, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        run_id = weekly_assortment(store_ids=[s.pk for s in chain.stores])
    assert TrainingRun.objects.get(pk=run_id).status == TrainingRun.Status.SUCCEEDED
    return chain


def url(store_id: int, tail: str = "") -> str:
    return f"/api/v1/stores/{store_id}/assortment/{tail}"


def _alice_add(chain):  # type: ignore[no-untyped-def]
    return AssortmentSuggestion.objects.filter(
        store=chain.stores[0], action="add", status="pending"
    ).first()


def test_never_suggests_carried_or_unsupplied(suggested):
    chain = suggested
    adds = AssortmentSuggestion.objects.filter(action="add")
    assert adds.exists()
    for s in adds:
        assert not StockLevel.objects.filter(store=s.store, product=s.product).exists()
    ids = set(adds.values_list("product_id", flat=True))
    assert chain.unavailable.pk not in ids and chain.inactive.pk not in ids
    alice = set(adds.filter(store=chain.stores[0]).values_list("product_id", flat=True))
    assert alice == {p.pk for p in chain.alice_missing}
    first = adds.filter(store=chain.stores[0]).order_by("rank").first()
    assert first.rank == 1 and first.reason["similar_stores"] > 0
    assert first.expected_weekly_profit is not None


def test_rerun_keeps_answers_and_does_not_resuggest(suggested, django_capture_on_commit_callbacks):
    chain = suggested
    s = _alice_add(chain)
    assortment.assortment_dismiss(store=chain.stores[0], suggestion_id=s.pk, reason="no room")
    with django_capture_on_commit_callbacks(execute=True):
        weekly_assortment(store_ids=[st.pk for st in chain.stores])
    rows = AssortmentSuggestion.objects.filter(
        store=chain.stores[0], product=s.product, action="add"
    )
    assert [r.status for r in rows] == ["dismissed"]


def test_list(alice, suggested, django_assert_num_queries):
    with django_assert_num_queries(3):
        r = alice.client.get(url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert rows and all(x["status"] == "pending" for x in rows)
    add = next(x for x in rows if x["action"] == "add")
    assert "stores most like yours" in add["reason_text"]
    assert add["reason"]["carrying"] <= add["reason"]["similar_stores"]
    zh = alice.client.get(url(alice.store.pk), {"action": "add"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "家" in zh.json()["results"][0]["reason_text"]


def test_list_reads_a_reason_without_numbers(alice, suggested):
    # A row whose reason lacks the engine's numbers (an older run, a hand-made row) is listed
    # with zeros instead of failing the whole list.
    from recommendations.models import AssortmentSuggestion

    s = AssortmentSuggestion.objects.filter(store=alice.store, action="add").first()
    AssortmentSuggestion.objects.filter(pk=s.pk).update(reason={})
    r = alice.client.get(url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    row = next(x for x in r.json()["results"] if x["id"] == s.pk)
    assert row["reason"]["similar_stores"] == 0 and row["reason"]["carrying"] == 0
    assert row["reason_text"] == "Carried by 0% of the stores in the chain."


def test_list_validation_error(alice, suggested):
    r = alice.client.get(url(alice.store.pk), {"action": "sell"})
    assert r.status_code == 400 and "action" in r.json()["fields"]


def test_other_owner_gets_404(bob, alice, suggested):
    s = _alice_add(suggested)
    assert bob.client.get(url(alice.store.pk)).status_code == 404
    for tail in (f"{s.pk}/accept/", f"{s.pk}/dismiss/"):
        r = bob.client.post(url(alice.store.pk, tail), {}, format="json")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        # Bob's store with Alice's suggestion id: not found either.
        assert bob.client.post(url(bob.store.pk, tail), {}, format="json").status_code == 404


def test_clerk_reads_but_cannot_accept_or_dismiss(carol, suggested):
    s = _alice_add(suggested)
    assert carol.client.get(url(carol.store.pk)).status_code == 200
    for tail in (f"{s.pk}/accept/", f"{s.pk}/dismiss/"):
        r = carol.client.post(url(carol.store.pk, tail), {}, format="json")
        assert r.status_code == 403 and r.json()["code"] == "owner_only"


def test_accept_creates_stock_row_and_draft_line(alice, suggested):
    s = _alice_add(suggested)
    r = alice.client.post(url(alice.store.pk, f"{s.pk}/accept/"), {}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["stock_level_created"] is True and body["quantity"] == s.product.case_pack
    level = StockLevel.objects.get(store=alice.store, product=s.product)
    assert level.on_hand == 0
    order = ReplenishmentOrder.objects.get(pk=body["order_id"])
    assert order.status == "draft" and order.store == alice.store
    assert list(order.lines.values_list("product_id", "quantity")) == [
        (s.product_id, s.product.case_pack)
    ]
    fb = SuggestionFeedback.objects.get(store=alice.store, product=s.product)
    assert fb.source == "assortment" and fb.action == "accepted" and fb.order == order
    # Answered: a second accept is a conflict.
    r = alice.client.post(url(alice.store.pk, f"{s.pk}/accept/"), {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "suggestion_answered"


def test_accept_adds_to_latest_draft(alice, suggested):
    chain = suggested
    draft = order_create_draft(store=alice.store, lines=[(chain.products[0].pk, 6)])
    s = _alice_add(chain)
    r = alice.client.post(url(alice.store.pk, f"{s.pk}/accept/"), {"cases": 2}, format="json")
    assert r.status_code == 200 and r.json()["order_id"] == draft.pk
    assert dict(draft.lines.values_list("product_id", "quantity")) == {
        chain.products[0].pk: 6,
        s.product_id: 2 * s.product.case_pack,
    }


def test_accept_validation_error(alice, suggested):
    s = _alice_add(suggested)
    r = alice.client.post(url(alice.store.pk, f"{s.pk}/accept/"), {"cases": 0}, format="json")
    assert r.status_code == 400 and "cases" in r.json()["fields"]
    s.refresh_from_db()
    assert s.status == "pending"


def test_accept_idempotency_key(alice, suggested):
    s = _alice_add(suggested)
    path = url(alice.store.pk, f"{s.pk}/accept/")
    first = alice.client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = alice.client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert ReplenishmentOrder.objects.filter(store=alice.store).count() == 1
    other = alice.client.post(path, {"cases": 3}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422


def test_dismiss(alice, suggested):
    s = _alice_add(suggested)
    r = alice.client.post(
        url(alice.store.pk, f"{s.pk}/dismiss/"), {"reason": "没地方"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    fb = SuggestionFeedback.objects.get(store=alice.store, product=s.product)
    assert fb.action == "dismissed" and fb.reason == "没地方"
    assert not StockLevel.objects.filter(store=alice.store, product=s.product).exists()


def test_dismiss_validation_error(alice, suggested):
    s = _alice_add(suggested)
    r = alice.client.post(
        url(alice.store.pk, f"{s.pk}/dismiss/"), {"reason": "x" * 301}, format="json"
    )
    assert r.status_code == 400 and "reason" in r.json()["fields"]


def test_reason_text_states_the_expected_units_and_gross_profit():
    from django.utils import translation

    from recommendations.explain import assortment_reason_text as reason_text

    reason = {
        "similar_stores": 20,
        "carrying": 12,
        "median_weekly_units_there": 6.0,
        "share_of_all_stores": 0.4,
        "expected_weekly_units": 4.5,
        "margin_per_unit": 1.2,
        "expected_weekly_profit": 5.4,
    }
    with translation.override("en"):
        text = reason_text("add", reason)
    assert text == (
        "Sold by 12 of the 20 stores most like yours, about 6 a week there. "
        "Expected here: about 4.5 a week, 5.40 gross profit a week."
    )
    with translation.override("zh-hans"):
        assert "毛利约 5.40" in reason_text("add", reason)
    without = {k: v for k, v in reason.items() if k != "expected_weekly_profit"}
    with translation.override("en"):
        assert "gross profit" not in reason_text("add", without)
