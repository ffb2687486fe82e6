from __future__ import annotations

from decimal import Decimal

import factory

from shoppers.models import ShopperAddress, ShopperProfile
from tests.stores.factories import UserFactory


class ShopperProfileFactory(factory.django.DjangoModelFactory[ShopperProfile]):
    class Meta:
        model = ShopperProfile

    user = factory.SubFactory(UserFactory)


class ShopperAddressFactory(factory.django.DjangoModelFactory[ShopperAddress]):
    class Meta:
        model = ShopperAddress

    shopper = factory.SubFactory(UserFactory)
    label = "家"
    recipient = "张三"
    phone = "13900000000"
    address = "文三路100号"
    # About 1.1 km north of the test stores (30.2741, 120.1551).
    latitude = Decimal("30.284100")
    longitude = Decimal("120.155100")
