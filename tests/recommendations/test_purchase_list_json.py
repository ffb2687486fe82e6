"""The purchase-suggestions list's JSON, pinned field by field on a fixture store: the contract
the owner's app reads. The list is rendered from plain rows, its cached copy and the serializer
of a single line (dismiss) from model instances; all must say exactly this."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from recommendations.api.views_purchase import PurchaseSuggestionSerializer
from recommendations.models import PurchaseSettings, PurchaseSuggestion
from stores.models import StockMovement
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import ProductFactory
from tests.recommendations.factories import PurchaseSuggestionFactory

pytestmark = pytest.mark.django_db

# Tuesday 10:00 in Shanghai: before the 18:00 cut-off, so an order counts as placed today and
# arrives after the one-day lead time on the next delivery weekday, Wednesday the 25th.
NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def basket(alice, warehouse, monkeypatch):  # type: ignore[no-untyped-def]
    warehouse.delivery_weekdays = [0, 2, 4]
    warehouse.save()
    PurchaseSettings.objects.create(store=alice.store, budget=Decimal("500.00"))
    cola = ProductFactory(sku="PIN-COLA", name="可乐", name_en="Cola", case_pack=12)
    gum = ProductFactory(sku="PIN-GUM", name="口香糖", name_en="Gum", case_pack=6)
    common = {"store": alice.store, "for_date": TODAY}
    needed = PurchaseSuggestionFactory(
        **common,
        product=cola,
        kind=PurchaseSuggestion.Kind.ORDER,
        quantity=24,
        case_pack=12,
        unit_cost=Decimal("3.50"),
        on_hand=2,
        on_order=6,
        forecast_daily=Decimal("2.125"),
        days_until_stockout=Decimal("0.9"),
        next_delivery_date=dt.date(2026, 11, 25),
        reason={
            "weekly_units": 14.9,
            "on_hand": 2,
            "on_order": 6,
            "next_delivery": "2026-11-25",
            "runs_out_on": "2026-11-24",
            "protection_days": 3,
            "order_up_to": 30,
            "service_level": 0.95,
            "limited_by": "capacity",
            "budget_trimmed": True,
        },
    )
    top_up = PurchaseSuggestionFactory(
        **common,
        product=gum,
        kind=PurchaseSuggestion.Kind.TOP_UP,
        quantity=6,
        case_pack=6,
        unit_cost=Decimal("1.25"),
        on_hand=10,
        on_order=0,
        forecast_daily=Decimal("0.400"),
        days_until_stockout=None,
        next_delivery_date=None,
        reason={
            "weekly_units": 2.8,
            "on_hand": 10,
            "on_order": 0,
            "next_delivery": "2026-11-27",
            "runs_out_on": None,
            "protection_days": 4,
            "order_up_to": 12,
            "service_level": 0.9,
            "limited_by": "",
            "budget_trimmed": False,
        },
    )
    # The stock on hand now, as the suggestions were computed from.
    stock_apply(
        store=alice.store,
        movements=[
            MovementSpec(cola.pk, StockMovement.Kind.RECEIPT, 2),
            MovementSpec(gum.pk, StockMovement.Kind.RECEIPT, 10),
        ],
    )
    # An older day's line and an answered one are not in the list.
    PurchaseSuggestionFactory(store=alice.store, for_date=TODAY - dt.timedelta(days=1))
    PurchaseSuggestionFactory(store=alice.store, for_date=TODAY, status="dismissed")
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return needed, top_up


def _expected(needed: PurchaseSuggestion, top_up: PurchaseSuggestion) -> dict[str, Any]:
    return {
        "basket": {
            "for_date": "2026-11-24",
            "lines": 2,
            "total": "84.00",
            "top_up_total": "7.50",
            "min_order_value": "100.00",
            "meets_minimum": False,
            "shortfall": "16.00",
            "budget": "500.00",
            "promised_delivery_date": "2026-11-25",
        },
        "lines": [
            {
                "id": needed.pk,
                "product": {
                    "id": needed.product_id,
                    "sku": "PIN-COLA",
                    "barcode": needed.product.barcode,
                    "name": "可乐",
                    "name_en": "Cola",
                    "case_pack": 12,
                },
                "kind": "order",
                "quantity": 24,
                "cases": 2,
                "unit_cost": "3.50",
                "line_total": "84.00",
                "on_hand": 2,
                "on_hand_now": 2,
                "on_order": 6,
                "forecast_daily": "2.125",
                "days_until_stockout": "0.9",
                "next_delivery_date": "2026-11-25",
                "status": "pending",
                "reason": {
                    "weekly_units": 14.9,
                    "on_hand": 2,
                    "on_order": 6,
                    "next_delivery": "2026-11-25",
                    "runs_out_on": "2026-11-24",
                    "protection_days": 3,
                    "order_up_to": 30,
                    "service_level": 0.95,
                    "limited_by": "capacity",
                    "budget_trimmed": True,
                },
                "reason_text": "sells ~15/week, 2 left, 6 on order, next delivery tomorrow: runs "
                "out today; limited by shelf and backroom space; trimmed to your budget",
            },
            {
                "id": top_up.pk,
                "product": {
                    "id": top_up.product_id,
                    "sku": "PIN-GUM",
                    "barcode": top_up.product.barcode,
                    "name": "口香糖",
                    "name_en": "Gum",
                    "case_pack": 6,
                },
                "kind": "top_up",
                "quantity": 6,
                "cases": 1,
                "unit_cost": "1.25",
                "line_total": "7.50",
                "on_hand": 10,
                "on_hand_now": 10,
                "on_order": 0,
                "forecast_daily": "0.400",
                "days_until_stockout": None,
                "next_delivery_date": None,
                "status": "pending",
                "reason": {
                    "weekly_units": 2.8,
                    "on_hand": 10,
                    "on_order": 0,
                    "next_delivery": "2026-11-27",
                    "runs_out_on": None,
                    "protection_days": 4,
                    "order_up_to": 12,
                    "service_level": 0.9,
                    "limited_by": "",
                    "budget_trimmed": False,
                },
                "reason_text": "sells ~2.8/week, 10 left, next delivery Fri; extra cases to reach "
                "the warehouse's minimum order",
            },
        ],
    }


@pytest.mark.parametrize("cache_seconds", [0, 600])
def test_the_list_json_is_pinned(alice, basket, cache_seconds) -> None:  # type: ignore[no-untyped-def]
    expected = _expected(*basket)
    url = f"/api/v1/stores/{alice.store.pk}/suggestions/"
    with override_settings(SUGGESTIONS_CACHE_SECONDS=cache_seconds):
        first = alice.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        again = alice.client.get(url, HTTP_ACCEPT_LANGUAGE="en")  # from the cache when on
    assert first.status_code == 200
    assert first.json() == expected
    assert again.content == first.content


def test_one_line_from_an_instance_renders_as_in_the_list(alice, basket) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    expected = _expected(*basket)["lines"]
    rows = PurchaseSuggestion.objects.select_related("product").filter(
        pk__in=[s.pk for s in basket]
    )
    with translation.override("en"):
        rendered = {s.pk: PurchaseSuggestionSerializer(s).data for s in rows}
    assert [rendered[line["id"]] for line in expected] == expected
