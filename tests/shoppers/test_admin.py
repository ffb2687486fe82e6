"""The admin: shopper orders with lines and events, filters, territory scoping."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.shoppers.helpers import place
from tests.stores.factories import StoreFactory, TerritoryFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/shoppers/shopperorder/"


def _staff(**kw):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    user = UserFactory.create(is_staff=True, **kw)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="shoppers"))
    client = Client()
    client.force_login(user)
    return user, client


def test_superuser_lists_filters_searches_and_opens_an_order(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 2))
    _user, client = _staff(is_superuser=True)
    r = client.get(CHANGELIST)
    assert r.status_code == 200 and f">{order.pk}<" in r.content.decode()
    for query in (
        "?status__exact=placed",
        f"?store__territory__id__exact={shop.territory_id}",
        "?q=sam",
    ):
        r = client.get(CHANGELIST + query)
        assert r.status_code == 200 and r.context["cl"].result_count == 1, query
    r = client.get(f"{CHANGELIST}{order.pk}/change/")
    assert r.status_code == 200
    assert "placed" in r.content.decode()


def test_field_agents_see_their_territories_only(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    city = TerritoryFactory.create(kind="city")
    shop.territory.parent = city
    shop.territory.save()
    elsewhere = StoreFactory.create(accepts_online_orders=True)
    mine = place(sam, shop, (stocked(), 1))
    theirs = place(sam, elsewhere, (stocked(store=elsewhere), 1))
    agent, client = _staff()
    city.field_agents.add(agent)
    r = client.get(CHANGELIST)
    ids = {o.pk for o in r.context["cl"].result_list}
    assert ids == {mine.pk}
    # Another territory's order does not exist for this agent.
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404


def test_decline_action_goes_through_the_service(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    from stores.models import StockLevel

    tea = stocked(on_hand=3)
    order = place(sam, shop, (tea, 3))
    _user, client = _staff(is_superuser=True)
    r = client.post(CHANGELIST, {"action": "decline_orders", "_selected_action": [order.pk]})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "declined"
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 0
