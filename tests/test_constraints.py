"""Every invariant the database holds rejects the bad row, whatever the code above it does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.barcodes import ean13_check_digit, is_valid_ean13, validate_ean13
from catalog.models import Product
from replenishment.models import WarehouseStock
from stores.models import DailySales, Fixture, StockLevel, StockMovement
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.replenishment.factories import WarehouseFactory, WarehouseStockFactory
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _rejected(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_ean13_check_digit_by_hand() -> None:
    # 4006381333931: 4+0*3+0+6*3+3+8*3+1+3*3+3+3*3+9+3*3 = 89 -> check digit 1
    assert ean13_check_digit("400638133393") == 1
    assert is_valid_ean13("4006381333931")
    assert not is_valid_ean13("4006381333932")
    assert not is_valid_ean13("400638133393")
    assert not is_valid_ean13("40063813339a1")
    with pytest.raises(ValidationError):
        validate_ean13("4006381333932")


def test_product_with_bad_barcode_checksum_is_rejected_by_the_database() -> None:
    category = CategoryFactory.create()
    fields = {"sku": "X1", "name": "x", "category": category, "unit_cost": 1, "retail_price": 2}
    Product.objects.create(barcode="4006381333931", **fields)
    _rejected(lambda: Product.objects.create(barcode="6901234567891", **{**fields, "sku": "X2"}))
    _rejected(lambda: Product.objects.create(barcode="690123456789", **{**fields, "sku": "X3"}))


def test_product_invariants() -> None:
    _rejected(lambda: ProductFactory.create(case_pack=0))
    _rejected(lambda: ProductFactory.create(unit_cost=Decimal("-0.01")))
    _rejected(lambda: ProductFactory.create(shelf_life_days=0))
    _rejected(lambda: ProductFactory.create(width_cm=0))


def test_negative_stock_is_rejected() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    _rejected(lambda: StockLevel.objects.create(store=store, product=product, on_hand=-1))


def test_duplicate_stock_row_is_rejected() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    StockLevel.objects.create(store=store, product=product, on_hand=1)
    _rejected(lambda: StockLevel.objects.create(store=store, product=product, on_hand=2))


def test_warehouse_reserved_cannot_exceed_on_hand_or_go_negative() -> None:
    row = WarehouseStockFactory.create(on_hand=5, reserved=5)
    _rejected(lambda: WarehouseStock.objects.filter(pk=row.pk).update(reserved=6))
    _rejected(lambda: WarehouseStock.objects.filter(pk=row.pk).update(on_hand=4))
    _rejected(lambda: WarehouseStock.objects.filter(pk=row.pk).update(reserved=-1))
    wh, product = WarehouseFactory.create(), ProductFactory.create()
    _rejected(lambda: WarehouseStockFactory.create(warehouse=wh, product=product, on_hand=-1))


def test_ledger_movement_of_zero_is_rejected() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    from django.utils import timezone

    _rejected(
        lambda: StockMovement.objects.create(
            store=store, product=product, kind="sale", quantity=0, occurred_at=timezone.now()
        )
    )


def test_fixture_eye_level_must_be_one_of_its_levels() -> None:
    store = StoreFactory.create()
    _rejected(
        lambda: Fixture.objects.create(store=store, name="a", width_cm=90, levels=4, eye_level=5)
    )
    _rejected(
        lambda: Fixture.objects.create(store=store, name="b", width_cm=0, levels=4, eye_level=2)
    )


def test_daily_sales_one_row_per_store_product_date() -> None:
    store, product = StoreFactory.create(), ProductFactory.create()
    import datetime as dt

    DailySales.objects.create(store=store, product=product, date=dt.date(2026, 1, 1), units=3)
    _rejected(
        lambda: DailySales.objects.create(
            store=store, product=product, date=dt.date(2026, 1, 1), units=1
        )
    )
