"""Territory isolation in the admin, model by model: list and change views, for a field agent of
the territory, a regional manager, an agent of another region and a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db.models import Model
from django.urls import reverse

from stores.admin_scoping import scope_queryset, stores_in_scope, territory_scope
from stores.models import Store, Territory

from .conftest import login

SCOPED = [
    "stores.store",
    "stores.territory",
    "stores.storemembership",
    "stores.fixture",
    "stores.stocklevel",
    "stores.stockmovement",
    "stores.stockout",
    "stores.posreceipt",
    "stores.dailysales",
    "replenishment.replenishmentorder",
    "replenishment.orderevent",
    "recommendations.purchasesuggestion",
    "recommendations.assortmentsuggestion",
    "recommendations.shelfplan",
    "shoppers.shopperorder",
    "shoppers.shopperorderevent",
    "lst.user",
]
#: Chain-wide reference data and operations: no store, so no territory. Field agents may read
#: some of them (the catalog, warehouses, model versions); the rest are for superusers.
GLOBAL = {
    "catalog.category",
    "catalog.product",
    "replenishment.warehouse",
    "replenishment.warehousestock",
    "replenishment.warehouseaccount",
    "recommendations.modelversion",
    "recommendations.trainingrun",
    "lst.idempotencyrecord",
    "shoppers.shopperprofile",
    "shoppers.shopperaddress",
    "auth.group",
    # Failed admin logins (django-axes): superusers read and clear them.
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _urls(obj: object) -> tuple[str, str]:
    meta = obj._meta  # type: ignore[attr-defined]
    base = f"admin:{meta.app_label}_{meta.model_name}"
    return reverse(f"{base}_changelist"), reverse(f"{base}_change", args=[obj.pk])  # type: ignore[attr-defined]


def test_every_registered_model_is_classified() -> None:
    registered = {
        _label(m) for m in admin.site._registry if m._meta.app_label != "django_celery_beat"
    }
    assert registered == set(SCOPED) | GLOBAL


def test_territory_scope_includes_descendants(world) -> None:  # type: ignore[no-untyped-def]
    assert set(Territory.objects.filter(pk__in=territory_scope(world.manager))) == {
        world.east,
        world.hz,
        world.hz_a,
        world.hz_b,
    }
    assert set(stores_in_scope(world.agent)) == {world.home.store}
    assert set(stores_in_scope(world.manager)) == {world.home.store, world.sibling.store}
    assert set(stores_in_scope(world.admin)) == set(Store.objects.all())


def test_staff_without_territory_sees_no_store(world) -> None:  # type: ignore[no-untyped-def]
    from .conftest import staff

    lonely = staff("lonely")
    assert not stores_in_scope(lonely).exists()
    assert not scope_queryset(Territory.objects.all(), lonely, "").exists()


@pytest.mark.parametrize("label", SCOPED)
def test_agent_sees_own_territory_only(world, label) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    home, foreign = world.home.objects[label], world.foreign.objects[label]
    sibling = world.sibling.objects[label]
    list_url, home_change = _urls(home)
    _, foreign_change = _urls(foreign)
    _, sibling_change = _urls(sibling)

    page = client.get(list_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert home_change in html
    assert foreign_change not in html
    assert sibling_change not in html

    assert client.get(home_change).status_code == 200
    assert client.get(foreign_change).status_code == 404
    assert client.get(sibling_change).status_code == 404


@pytest.mark.parametrize("label", SCOPED)
def test_regional_manager_sees_the_whole_region(world, label) -> None:  # type: ignore[no-untyped-def]
    client = login(world.manager)
    _, home_change = _urls(world.home.objects[label])
    _, sibling_change = _urls(world.sibling.objects[label])
    _, foreign_change = _urls(world.foreign.objects[label])
    assert client.get(home_change).status_code == 200
    assert client.get(sibling_change).status_code == 200
    assert client.get(foreign_change).status_code == 404


@pytest.mark.parametrize("label", SCOPED)
def test_other_region_agent_gets_404(world, label) -> None:  # type: ignore[no-untyped-def]
    client = login(world.outsider)
    list_url, home_change = _urls(world.home.objects[label])
    html = client.get(list_url).content.decode()
    assert home_change not in html
    assert client.get(home_change).status_code == 404
    _, own_change = _urls(world.foreign.objects[label])
    assert client.get(own_change).status_code == 200


@pytest.mark.parametrize("label", SCOPED)
def test_superuser_sees_all(world, label) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    for w in (world.home, world.sibling, world.foreign):
        _, change = _urls(w.objects[label])
        assert client.get(change).status_code == 200


def test_history_and_delete_of_foreign_store_are_404(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    pk = world.foreign.store.pk
    assert client.get(reverse("admin:stores_store_history", args=[pk])).status_code == 404
    assert client.get(reverse("admin:stores_store_delete", args=[pk])).status_code in (403, 404)
    assert client.post(reverse("admin:stores_store_change", args=[pk]), {}).status_code == 404


def test_agent_cannot_move_a_fixture_to_a_foreign_store(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    fixture = world.home.objects["stores.fixture"]
    url = reverse("admin:stores_fixture_change", args=[fixture.pk])
    response = client.post(
        url,
        {
            "store": world.foreign.store.pk,
            "name": fixture.name,
            "kind": "shelf",
            "width_cm": 100,
            "depth_cm": 40,
            "levels": 5,
            "eye_level": 3,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "store" in response.context["adminform"].form.errors
    fixture.refresh_from_db()
    assert fixture.store_id == world.home.store.pk


def test_agent_store_territory_choices_are_scoped(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    page = client.get(reverse("admin:stores_store_change", args=[world.home.store.pk]))
    choices = {
        str(c[0].value) if hasattr(c[0], "value") else str(c[0])
        for c in page.context["adminform"].form.fields["territory"].choices
    }
    assert str(world.hz_a.pk) in choices
    assert str(world.sz_a.pk) not in choices
    assert str(world.hz_b.pk) not in choices


@pytest.mark.parametrize(
    "label", ["catalog.product", "replenishment.warehouse", "recommendations.modelversion"]
)
def test_agent_reads_global_reference_data(world, label) -> None:  # type: ignore[no-untyped-def]
    app, model = label.split(".")
    assert login(world.agent).get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200


@pytest.mark.parametrize(
    "label", ["replenishment.warehouseaccount", "lst.idempotencyrecord", "auth.group"]
)
def test_superuser_only_models_are_forbidden_to_agents(world, label) -> None:  # type: ignore[no-untyped-def]
    app, model = label.split(".")
    assert login(world.agent).get(reverse(f"admin:{app}_{model}_changelist")).status_code == 403


def test_agent_cannot_promote_themselves(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    owner = world.home.objects["lst.user"]
    page = client.get(reverse("admin:lst_user_change", args=[owner.pk]))
    assert page.status_code == 200
    assert "is_superuser" not in page.context["adminform"].form.fields


def test_the_shopper_order_filters_name_only_stores_in_scope(world) -> None:  # type: ignore[no-untyped-def]
    """The sidebar's store and territory filters list only what the agent looks after: never
    another territory's store names (issue 21)."""
    page = login(world.agent).get(reverse("admin:shoppers_shopperorder_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.home.store.name in html
    for other in (world.sibling.store, world.foreign.store):
        assert other.name not in html
    assert "上城区" not in html and "南山区" not in html
    everything = login(world.admin).get(reverse("admin:shoppers_shopperorder_changelist"))
    assert world.foreign.store.name in everything.content.decode()
