from __future__ import annotations

from decimal import Decimal

import factory

from replenishment.models import Warehouse, WarehouseAccount, WarehouseStock


class WarehouseFactory(factory.django.DjangoModelFactory[Warehouse]):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"wh-{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")
    lead_time_days = 1
    min_order_value = Decimal("100.00")


class WarehouseStockFactory(factory.django.DjangoModelFactory[WarehouseStock]):
    class Meta:
        model = WarehouseStock

    warehouse = factory.SubFactory(WarehouseFactory)
    product = factory.SubFactory("tests.catalog.factories.ProductFactory")
    on_hand = 100
    reserved = 0
    unit_cost = Decimal("2.00")


class WarehouseAccountFactory(factory.django.DjangoModelFactory[WarehouseAccount]):
    """A warehouse's service account (its WMS)."""

    class Meta:
        model = WarehouseAccount

    user = factory.SubFactory(
        "tests.stores.factories.UserFactory",
        username=factory.Sequence(lambda n: f"wms{n}"),
        phone=factory.Sequence(lambda n: f"1390000{n:04d}"),
    )
    warehouse = factory.SubFactory(WarehouseFactory)
