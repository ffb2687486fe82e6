"""Fixtures (shelves, coolers): members list them, owners create, edit and delete them."""

from __future__ import annotations

import pytest

from stores.models import Fixture
from tests.api.conftest import url
from tests.stores.factories import FixtureFactory

pytestmark = pytest.mark.django_db

SHELF = {"name": "饮料柜", "kind": "cooler", "width_cm": 90, "levels": 5, "eye_level": 3}


def test_list_is_paginated_with_constant_queries(alice, bob, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    FixtureFactory.create(store=bob.store)
    FixtureFactory.create_batch(3, store=alice.store)
    # membership, count, page
    with django_assert_num_queries(3):
        r = alice.client.get(url(f"stores/{alice.store.pk}/fixtures/"))
    assert r.data["count"] == 3
    FixtureFactory.create_batch(30, store=alice.store)
    with django_assert_num_queries(3):
        r = alice.client.get(url(f"stores/{alice.store.pk}/fixtures/"), {"page_size": 20})
    assert (r.data["count"], len(r.data["results"])) == (33, 20)


@pytest.mark.smoke
def test_owner_creates_updates_and_deletes(alice) -> None:  # type: ignore[no-untyped-def]
    base = url(f"stores/{alice.store.pk}/fixtures/")
    r = alice.client.post(base, SHELF)
    assert r.status_code == 201, r.data
    fid = r.data["id"]
    assert r.data["depth_cm"] == 40
    r = alice.client.patch(f"{base}{fid}/", {"levels": 6, "eye_level": 4})
    assert (r.status_code, r.data["levels"], r.data["eye_level"]) == (200, 6, 4)
    assert alice.client.get(f"{base}{fid}/").data["name"] == "饮料柜"
    assert alice.client.delete(f"{base}{fid}/").status_code == 204
    assert not Fixture.objects.filter(pk=fid).exists()


def test_create_is_idempotent_with_a_key(alice) -> None:  # type: ignore[no-untyped-def]
    base = url(f"stores/{alice.store.pk}/fixtures/")
    first = alice.client.post(base, SHELF, HTTP_IDEMPOTENCY_KEY="k1")
    again = alice.client.post(base, SHELF, HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.data == first.data
    assert Fixture.objects.filter(store=alice.store).count() == 1
    other = alice.client.post(base, SHELF | {"name": "x"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert (other.status_code, other.data["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (SHELF | {"width_cm": 0}, "width_cm"),
        (SHELF | {"kind": "fridge"}, "kind"),
        (SHELF | {"eye_level": 6}, "eye_level"),
        ({"kind": "shelf"}, "name"),
    ],
)
def test_create_validation(alice, body, field) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(url(f"stores/{alice.store.pk}/fixtures/"), body)
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert field in r.data["fields"]
    assert not Fixture.objects.exists()


def test_update_validation_checks_the_merged_fixture(alice) -> None:  # type: ignore[no-untyped-def]
    f = FixtureFactory.create(store=alice.store, levels=5, eye_level=3)
    r = alice.client.patch(url(f"stores/{alice.store.pk}/fixtures/{f.pk}/"), {"levels": 2})
    assert r.status_code == 400
    assert "eye_level" in r.data["fields"]


def test_duplicate_name_is_a_conflict(alice) -> None:  # type: ignore[no-untyped-def]
    FixtureFactory.create(store=alice.store, name="饮料柜")
    r = alice.client.post(url(f"stores/{alice.store.pk}/fixtures/"), SHELF)
    assert (r.status_code, r.data["code"]) == (409, "fixture_name_taken")


def test_clerk_lists_but_cannot_write(carol) -> None:  # type: ignore[no-untyped-def]
    f = FixtureFactory.create(store=carol.store)
    base = url(f"stores/{carol.store.pk}/fixtures/")
    assert carol.client.get(base).status_code == 200
    assert carol.client.get(f"{base}{f.pk}/").status_code == 200
    for r in (
        carol.client.post(base, SHELF),
        carol.client.patch(f"{base}{f.pk}/", {"levels": 3}),
        carol.client.delete(f"{base}{f.pk}/"),
    ):
        assert (r.status_code, r.data["code"]) == (403, "owner_only")
    assert Fixture.objects.filter(pk=f.pk).exists()


def test_another_owner_gets_404_everywhere(alice, bob) -> None:  # type: ignore[no-untyped-def]
    f = FixtureFactory.create(store=alice.store)
    own = FixtureFactory.create(store=bob.store)
    base = url(f"stores/{alice.store.pk}/fixtures/")
    for r in (
        bob.client.get(base),
        bob.client.post(base, SHELF),
        bob.client.get(f"{base}{f.pk}/"),
        bob.client.patch(f"{base}{f.pk}/", {"levels": 3}),
        bob.client.delete(f"{base}{f.pk}/"),
        # Bob's own fixture through Alice's store, and Alice's fixture through Bob's store
        bob.client.get(f"{base}{own.pk}/"),
        bob.client.delete(url(f"stores/{bob.store.pk}/fixtures/{f.pk}/")),
    ):
        assert (r.status_code, r.data["code"]) == (404, "not_found")
    assert Fixture.objects.filter(pk=f.pk).exists()
