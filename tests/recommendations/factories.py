from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from recommendations.models import PurchaseSuggestion


class PurchaseSuggestionFactory(factory.django.DjangoModelFactory[PurchaseSuggestion]):
    class Meta:
        model = PurchaseSuggestion

    store = factory.SubFactory("tests.stores.factories.StoreFactory")
    product = factory.SubFactory("tests.catalog.factories.ProductFactory")
    for_date = factory.LazyFunction(lambda: dt.date(2026, 11, 24))
    kind = PurchaseSuggestion.Kind.ORDER
    quantity = 12
    case_pack = 6
    unit_cost = Decimal("2.00")
    on_hand = 3
    on_order = 0
    forecast_daily = Decimal("2.000")
    days_until_stockout = Decimal("1.5")
    next_delivery_date = factory.LazyFunction(lambda: dt.date(2026, 11, 26))
    reason = factory.LazyFunction(
        lambda: {
            "weekly_units": 14.0,
            "on_hand": 3,
            "on_order": 0,
            "next_delivery": "2026-11-26",
            "runs_out_on": "2026-11-25",
            "protection_days": 3,
            "order_up_to": 15,
            "service_level": 0.92,
            "limited_by": "",
            "budget_trimmed": False,
        }
    )
