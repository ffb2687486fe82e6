from __future__ import annotations

from decimal import Decimal

import factory

from lst.models import User
from stores.models import Fixture, StockLevel, Store, StoreMembership, Territory


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")
    password = factory.django.Password("pass-word-123")


class TerritoryFactory(factory.django.DjangoModelFactory[Territory]):
    class Meta:
        model = Territory

    code = factory.Sequence(lambda n: f"terr-{n}")
    name = factory.Sequence(lambda n: f"片区{n}")
    kind = Territory.Kind.DISTRICT


class StoreFactory(factory.django.DjangoModelFactory[Store]):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"便利店{n}")
    address = "测试路1号"
    city = "杭州"
    district = "西湖区"
    latitude = Decimal("30.274100")
    longitude = Decimal("120.155100")
    status = Store.Status.ACTIVE
    territory = factory.SubFactory(TerritoryFactory)
    warehouse = None


class MembershipFactory(factory.django.DjangoModelFactory[StoreMembership]):
    class Meta:
        model = StoreMembership

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    role = StoreMembership.Role.OWNER


class FixtureFactory(factory.django.DjangoModelFactory[Fixture]):
    class Meta:
        model = Fixture

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"货架{n}")
    kind = Fixture.Kind.SHELF
    width_cm = 120
    levels = 5
    eye_level = 3


class StockLevelFactory(factory.django.DjangoModelFactory[StockLevel]):
    class Meta:
        model = StockLevel

    store = factory.SubFactory(StoreFactory)
    product = factory.SubFactory("tests.catalog.factories.ProductFactory")
    on_hand = 10
