from __future__ import annotations

from decimal import Decimal

import factory

from catalog.barcodes import ean13_check_digit
from catalog.models import Category, Product


def make_ean13(n: int) -> str:
    first12 = f"69{n:010d}"
    return first12 + str(ean13_check_digit(first12))


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    barcode = factory.Sequence(make_ean13)
    name = factory.Sequence(lambda n: f"商品{n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    brand = "测试牌"
    category = factory.SubFactory(CategoryFactory)
    case_pack = 6
    unit_cost = Decimal("2.00")
    retail_price = Decimal("3.50")
