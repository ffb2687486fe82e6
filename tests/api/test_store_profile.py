"""GET/PATCH /stores/{id}/: members read, owners edit name and opening hours only."""

from __future__ import annotations

import pytest

from tests.api.conftest import url

pytestmark = pytest.mark.django_db

HOURS = {"mon": ["07:00-23:00"], "sun": ["08:00-12:00", "14:00-24:00"], "sat": ["22:00-02:00"]}


@pytest.mark.smoke
def test_owner_reads_and_updates_the_profile(alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url(f"stores/{alice.store.pk}/"))
    assert r.status_code == 200
    assert r.data["name"] == "爱丽丝便利店"
    assert r.data["role"] == "owner"
    r = alice.client.patch(
        url(f"stores/{alice.store.pk}/"), {"name": "爱丽丝超市", "opening_hours": HOURS}
    )
    assert r.status_code == 200, r.data
    alice.store.refresh_from_db()
    assert alice.store.name == "爱丽丝超市"
    # normalised to week order
    assert list(alice.store.opening_hours) == ["mon", "sat", "sun"]
    assert r.data["opening_hours"] == alice.store.opening_hours


def test_clerk_reads_but_cannot_edit(carol) -> None:  # type: ignore[no-untyped-def]
    r = carol.client.get(url(f"stores/{carol.store.pk}/"))
    assert (r.status_code, r.data["role"]) == (200, "clerk")
    r = carol.client.patch(url(f"stores/{carol.store.pk}/"), {"name": "x"})
    assert r.status_code == 403
    assert r.data["code"] == "owner_only"


def test_another_owner_gets_404_for_read_and_write(alice, bob) -> None:  # type: ignore[no-untyped-def]
    for r in (
        bob.client.get(url(f"stores/{alice.store.pk}/")),
        bob.client.patch(url(f"stores/{alice.store.pk}/"), {"name": "mine now"}),
        bob.client.get(url("stores/999999/")),
    ):
        assert r.status_code == 404
        assert r.data["code"] == "not_found"
    alice.store.refresh_from_db()
    assert alice.store.name == "爱丽丝便利店"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"opening_hours": {"monday": ["07:00-23:00"]}}, "opening_hours.monday"),
        ({"opening_hours": {"mon": ["7-23"]}}, "opening_hours.mon[0]"),
        ({"opening_hours": {"mon": ["25:00-23:00"]}}, "opening_hours.mon[0]"),
        ({"opening_hours": {"mon": ["08:00-08:00"]}}, "opening_hours.mon[0]"),
        ({"opening_hours": {"mon": "07:00-23:00"}}, "opening_hours.mon"),
        ({"opening_hours": ["07:00-23:00"]}, "opening_hours"),
        ({"latitude": "31.0"}, "latitude"),
        ({"address": "elsewhere"}, "address"),
    ],
)
def test_profile_validation(alice, body, field) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.patch(url(f"stores/{alice.store.pk}/"), body)
    assert r.status_code == 400, r.data
    assert r.data["code"] == "validation_error"
    assert field in r.data["fields"]
    alice.store.refresh_from_db()
    assert alice.store.name == "爱丽丝便利店"


def test_messages_are_translated_to_chinese(alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.patch(
        url(f"stores/{alice.store.pk}/"),
        {"opening_hours": {"mon": ["bad"]}},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.data["message"] == "营业时间无效。"
    r = alice.client.patch(
        url(f"stores/{alice.store.pk}/"),
        {"opening_hours": {"mon": ["bad"]}},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.data["message"] == "Invalid opening hours."
