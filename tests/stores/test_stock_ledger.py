"""The stock level is always the running sum of the ledger."""

from __future__ import annotations

import random

import pytest
from django.db.models import Sum

from lst.errors import Conflict
from stores.models import StockLevel, StockMovement
from stores.services import MovementSpec, stock_apply, stock_count
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
Kind = StockMovement.Kind


def _ledger_sum(store, product) -> int:  # type: ignore[no-untyped-def]
    agg = StockMovement.objects.filter(store=store, product=product).aggregate(s=Sum("quantity"))
    return agg["s"] or 0


def test_ledger_and_levels_agree_after_a_mix_of_movements() -> None:
    store = StoreFactory.create()
    products = ProductFactory.create_batch(4)
    rng = random.Random(7)
    for _ in range(60):
        p = rng.choice(products)
        kind = rng.choice([Kind.RECEIPT, Kind.SALE, Kind.SALE, Kind.WASTE])
        qty = rng.randint(1, 12)
        level = StockLevel.objects.filter(store=store, product=p).first()
        on_hand = level.on_hand if level else 0
        if kind == Kind.WASTE:
            qty = min(qty, on_hand)
            if qty == 0:
                continue
        sign = 1 if kind == Kind.RECEIPT else -1
        stock_apply(store=store, movements=[MovementSpec(p.pk, kind, sign * qty)])
    stock_count(store=store, product_id=products[0].pk, counted=17)
    for p in products:
        level = StockLevel.objects.get(store=store, product=p)
        assert level.on_hand >= 0
        assert level.on_hand == _ledger_sum(store, p)
    assert StockLevel.objects.get(store=store, product=products[0]).on_hand == 17


def test_sale_beyond_stock_records_a_shortfall_and_asks_for_a_count() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.RECEIPT, 3)])
    stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.SALE, -5, "r1")])
    level = StockLevel.objects.get(store=store, product=product)
    assert (level.on_hand, level.needs_count) == (0, True)
    kinds = list(
        StockMovement.objects.filter(store=store, product=product)
        .order_by("id")
        .values_list("kind", "quantity")
    )
    assert kinds == [(Kind.RECEIPT, 3), (Kind.SALE, -5), (Kind.SHORTFALL, 2)]
    assert _ledger_sum(store, product) == 0
    stock_count(store=store, product_id=product.pk, counted=4)
    level.refresh_from_db()
    assert (level.on_hand, level.needs_count) == (4, False)


def test_waste_beyond_stock_is_refused_and_writes_nothing() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.RECEIPT, 2)])
    with pytest.raises(Conflict) as err:
        stock_apply(store=store, movements=[MovementSpec(product.pk, Kind.WASTE, -3)])
    assert err.value.code == "insufficient_stock"
    assert StockMovement.objects.filter(store=store).count() == 1
    assert StockLevel.objects.get(store=store, product=product).on_hand == 2
