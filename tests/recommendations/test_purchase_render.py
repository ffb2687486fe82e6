"""The suggestion serializer renders a line in one go for speed; its output must stay exactly what
its declared fields (the OpenAPI schema) render one by one."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from rest_framework import serializers

from recommendations.api.views_purchase import PurchaseSuggestionSerializer
from recommendations.models import PurchaseSuggestion
from tests.recommendations.factories import PurchaseSuggestionFactory

pytestmark = pytest.mark.django_db

VARIANTS: list[dict[str, Any]] = [
    {},
    {"days_until_stockout": None, "next_delivery_date": None},
    {"kind": PurchaseSuggestion.Kind.TOP_UP, "unit_cost": Decimal("12.30")},
    {"forecast_daily": Decimal("0.045"), "days_until_stockout": Decimal("0.0"), "on_hand": 0},
    {"status": "dismissed", "quantity": 0},
]
REASONS: list[dict[str, Any]] = [
    {},
    {"runs_out_on": None, "limited_by": "capacity", "on_order": 4},
    {"budget_trimmed": True, "limited_by": "rounded_down", "weekly_units": 0.35},
    {"on_hand": 0, "limited_by": "shelf_life", "service_level": 0.995},
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_go_rendering_equals_the_declared_fields(alice, language) -> None:  # type: ignore[no-untyped-def]
    base = PurchaseSuggestionFactory.build().reason.as_json()
    rows = [
        PurchaseSuggestionFactory.create(store=alice.store, reason={**base, **reason}, **variant)
        for variant in VARIANTS
        for reason in REASONS
    ]
    serializer = PurchaseSuggestionSerializer()
    with translation.override(language):
        for s in PurchaseSuggestion.objects.select_related("product").filter(
            pk__in=[r.pk for r in rows]
        ):
            fast = serializer.to_representation(s)
            by_field = serializers.ModelSerializer.to_representation(serializer, s)
            # Through JSON, so a string "1.5" and a number 1.5 differ.
            assert json.dumps(fast, sort_keys=True) == json.dumps(by_field, sort_keys=True)
