"""A small chain for the weekly recommenders: Alice, Bob and six more stores on one warehouse,
12 products (4 chilled), 10 weeks of daily sales, Alice's shelf and cooler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from catalog.models import Product
from stores.models import DailySales, Fixture, StockLevel, Store
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.replenishment.factories import WarehouseStockFactory
from tests.stores.factories import FixtureFactory, StoreFactory

DAYS = 70
NEIGHBOURHOODS = ["residential", "office", "school", "transit"]


@dataclass
class Chain:
    products: list[Product]
    stores: list[Store]
    shelf: Fixture
    cooler: Fixture
    unavailable: Product  # carried by the others; the warehouse has none on hand
    inactive: Product  # carried by the others; discontinued
    alice_missing: list[Product]  # sold by every other store, not carried by Alice


@pytest.fixture
def chain(db, alice, bob, warehouse) -> Chain:  # type: ignore[no-untyped-def]
    snacks = CategoryFactory.create(code="snacks", name="零食", name_en="Snacks")
    noodles = CategoryFactory.create(code="noodles", name="方便面", name_en="Noodles")
    drinks = CategoryFactory.create(code="drinks", name="冷饮", name_en="Cold drinks")
    products = [
        ProductFactory.create(
            category=(snacks if i < 4 else noodles) if i < 8 else drinks,
            width_cm=Decimal("8.0") if i % 2 else Decimal("12.0"),
            depth_cm=Decimal("8.0"),
            requires_chilling=i >= 8,
            unit_cost=Decimal("2.00"),
            retail_price=Decimal("3.50") + Decimal(i) / 4,
        )
        for i in range(12)
    ]
    others = [
        StoreFactory.create(
            warehouse=warehouse,
            neighbourhood=NEIGHBOURHOODS[k % 4],
            floor_area_m2=60 + 10 * k,
        )
        for k in range(6)
    ]
    Store.objects.filter(pk__in=[alice.store.pk, bob.store.pk]).update(
        neighbourhood="residential", floor_area_m2=80
    )
    stores = [alice.store, bob.store, *others]
    unavailable, inactive = products[7], products[6]
    alice_missing = [products[5], products[11]]
    carried: dict[int, list[Product]] = {}
    for s in stores:
        if s.pk == alice.store.pk:
            carried[s.pk] = [
                p for p in products if p not in (*alice_missing, unavailable, inactive)
            ]
        else:
            carried[s.pk] = list(products)
    rng = np.random.default_rng(0)
    end = timezone.localdate() - dt.timedelta(days=1)
    rows = []
    for s in stores:
        for p in carried[s.pk]:
            rate = 1.0 + products.index(p) % 5
            StockLevel.objects.create(store=s, product=p, on_hand=5)
            for d in range(DAYS):
                units = int(rng.poisson(rate))
                if units:
                    rows.append(
                        DailySales(
                            store=s,
                            product=p,
                            date=end - dt.timedelta(days=d),
                            units=units,
                            revenue=p.retail_price * units,
                        )
                    )
    DailySales.objects.bulk_create(rows)
    for p in products:
        WarehouseStockFactory.create(
            warehouse=warehouse, product=p, on_hand=0 if p == unavailable else 100
        )
    Product.objects.filter(pk=inactive.pk).update(is_active=False)
    shelf = FixtureFactory.create(
        store=alice.store, name="货架A", width_cm=100, levels=4, eye_level=3
    )
    cooler = FixtureFactory.create(
        store=alice.store, name="冷柜", kind=Fixture.Kind.COOLER, width_cm=60, levels=3, eye_level=2
    )
    FixtureFactory.create(store=bob.store, name="货架B", width_cm=120, levels=5, eye_level=3)
    return Chain(products, stores, shelf, cooler, unavailable, inactive, alice_missing)
