"""The purchase-suggestions list serves its rendered lines from the cache until the set changes:
every change an owner or the pipeline makes shows on the next request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recommendations.models import PurchaseSuggestion
from tests.catalog.factories import ProductFactory
from tests.recommendations.factories import PurchaseSuggestionFactory

pytestmark = pytest.mark.django_db


def _url(store_id: int, tail: str = "") -> str:
    return f"/api/v1/stores/{store_id}/suggestions/{tail}"


@pytest.fixture
def lines(alice):  # type: ignore[no-untyped-def]
    return [
        PurchaseSuggestionFactory.create(
            store=alice.store,
            product=ProductFactory.create(case_pack=6),
            case_pack=6,
            quantity=12,
            unit_cost=Decimal("2.50"),
            days_until_stockout=Decimal(str(days)),
        )
        for days in (1.0, 2.0, 3.0)
    ]


def _ids(client, store_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    r = client.get(_url(store_id))
    assert r.status_code == 200, r.content
    return [line["id"] for line in r.json()["lines"]]


def test_a_repeated_list_reads_no_suggestion_rows(alice, lines, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    first = alice.client.get(_url(alice.store.pk)).json()
    # One query: the membership, with the set's version and the budget; the lines come from
    # the cache.
    with django_assert_num_queries(1):
        again = alice.client.get(_url(alice.store.pk)).json()
    assert again["lines"] == first["lines"] and again["basket"] == first["basket"]


def test_a_dismissed_line_leaves_the_cached_list(alice, lines) -> None:  # type: ignore[no-untyped-def]
    assert _ids(alice.client, alice.store.pk) == [s.pk for s in lines]
    r = alice.client.post(_url(alice.store.pk, f"{lines[1].pk}/dismiss/"), {}, format="json")
    assert r.status_code == 200
    assert _ids(alice.client, alice.store.pk) == [lines[0].pk, lines[2].pk]


def test_accepted_lines_leave_the_list_and_the_basket(alice, lines, warehouse) -> None:  # type: ignore[no-untyped-def]
    from tests.replenishment.factories import WarehouseStockFactory

    for s in lines:
        WarehouseStockFactory.create(warehouse=warehouse, product=s.product, on_hand=100)
    assert alice.client.get(_url(alice.store.pk)).json()["basket"]["total"] == "90.00"
    body = {"lines": [{"id": lines[0].pk}]}
    assert (
        alice.client.post(_url(alice.store.pk, "accept/"), body, format="json").status_code == 201
    )
    after = alice.client.get(_url(alice.store.pk)).json()
    assert [line["id"] for line in after["lines"]] == [lines[1].pk, lines[2].pk]
    assert after["basket"]["total"] == "60.00" and after["basket"]["lines"] == 2


def test_a_new_scoring_of_the_same_size_replaces_the_cached_lines(alice, lines) -> None:  # type: ignore[no-untyped-def]
    _ids(alice.client, alice.store.pk)
    PurchaseSuggestion.objects.filter(store=alice.store).delete()
    fresh = [
        PurchaseSuggestionFactory.create(store=alice.store, product=s.product, quantity=18)
        for s in lines
    ]
    r = alice.client.get(_url(alice.store.pk)).json()
    assert sorted(line["id"] for line in r["lines"]) == sorted(s.pk for s in fresh)
    assert {line["quantity"] for line in r["lines"]} == {18}


def test_a_renamed_product_shows_its_new_name(alice, lines) -> None:  # type: ignore[no-untyped-def]
    _ids(alice.client, alice.store.pk)
    product = lines[0].product
    product.name = "新名字 500ml"
    product.save()
    names = [
        line["product"]["name"] for line in alice.client.get(_url(alice.store.pk)).json()["lines"]
    ]
    assert names[0] == "新名字 500ml"


def test_each_language_gets_its_own_sentences(alice, lines) -> None:  # type: ignore[no-untyped-def]
    url = _url(alice.store.pk)
    en = alice.client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["lines"][0]["reason_text"]
    zh = alice.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["lines"][0]["reason_text"]
    assert en.startswith("sells ~") and zh.startswith("每周约卖")


def test_the_budget_is_read_fresh(alice, lines) -> None:  # type: ignore[no-untyped-def]
    assert alice.client.get(_url(alice.store.pk)).json()["basket"]["budget"] is None
    settings_url = f"/api/v1/stores/{alice.store.pk}/purchase-settings/"
    assert alice.client.put(settings_url, {"budget": "500.00"}, format="json").status_code == 200
    assert alice.client.get(_url(alice.store.pk)).json()["basket"]["budget"] == "500.00"


def test_with_the_cache_off_every_request_renders(
    alice, lines, settings, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    settings.SUGGESTIONS_CACHE_SECONDS = 0
    alice.client.get(_url(alice.store.pk))
    # The membership with the version and the budget, then the lines with their products.
    with django_assert_num_queries(2):
        assert len(alice.client.get(_url(alice.store.pk)).json()["lines"]) == 3


def test_a_store_with_nothing_pending_answers_in_one_query(
    alice, settings, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    settings.SUGGESTIONS_CACHE_SECONDS = 600
    alice.client.put(
        f"/api/v1/stores/{alice.store.pk}/purchase-settings/", {"budget": "80.00"}, format="json"
    )
    with django_assert_num_queries(1):
        body = alice.client.get(_url(alice.store.pk)).json()
    assert body["lines"] == []
    assert body["basket"]["lines"] == 0 and body["basket"]["for_date"] is None
    assert body["basket"]["budget"] == "80.00" and body["basket"]["total"] == "0.00"


def test_a_till_sale_after_scoring_shows_on_the_next_read(alice, settings) -> None:  # type: ignore[no-untyped-def]
    """The line keeps what it was computed from (`on_hand`, the reason) and shows the stock
    now (`on_hand_now`), in the sentence too; the cached list is not served stale."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from recommendations.reasons import PurchaseReason
    from stores.models import StockMovement
    from stores.services import MovementSpec, stock_apply

    settings.SUGGESTIONS_CACHE_SECONDS = 300
    product = ProductFactory.create(case_pack=6, retail_price=Decimal("3.50"))
    stock_apply(
        store=alice.store, movements=[MovementSpec(product.pk, StockMovement.Kind.RECEIPT, 5)]
    )
    PurchaseSuggestionFactory.create(
        store=alice.store,
        product=product,
        case_pack=6,
        quantity=12,
        on_hand=5,
        reason=PurchaseReason(weekly_units=14, on_hand=5, next_delivery=dt.date(2026, 11, 26)),
    )
    first = alice.client.get(_url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="en").json()["lines"][0]
    assert (first["on_hand"], first["on_hand_now"]) == (5, 5)
    assert "5 left," in first["reason_text"]
    sale = {
        "uuid": str(uuid.uuid4()),
        "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "lines": [{"product": product.pk, "quantity": 2, "unit_price": "3.50"}],
    }
    r = alice.client.post(
        f"/api/v1/stores/{alice.store.pk}/sales/receipts/", {"receipts": [sale]}, format="json"
    )
    assert r.status_code == 200, r.content
    after = alice.client.get(_url(alice.store.pk), HTTP_ACCEPT_LANGUAGE="en").json()["lines"][0]
    assert (after["on_hand"], after["on_hand_now"], after["reason"]["on_hand"]) == (5, 3, 5)
    assert "5 left when computed, 3 now" in after["reason_text"]
    zh = alice.client.get(_url(alice.store.pk)).json()["lines"][0]
    assert "计算时剩5件，现在剩3件" in zh["reason_text"]
