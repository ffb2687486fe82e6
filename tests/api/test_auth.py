"""Login by username or phone, refresh, /me/, and the login throttle."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from stores.models import StoreMembership
from tests.api.conftest import url
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def _login(client: APIClient, login: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(url("auth/token/"), {"login": login, "password": password})


@pytest.mark.smoke
def test_login_by_username_then_use_the_access_token(alice, anon) -> None:  # type: ignore[no-untyped-def]
    r = _login(anon, "alice")
    assert r.status_code == 200, r.data
    assert set(r.data) == {"access", "refresh", "access_expires_in"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {r.data['access']}")
    me = client.get(url("me/"))
    assert me.status_code == 200
    assert me.data["username"] == "alice"
    assert me.data["stores"] == [
        {
            "store_id": alice.store.pk,
            "store_code": "alice-store",
            "store_name": "爱丽丝便利店",
            "store_status": "active",
            "role": "owner",
        }
    ]


def test_login_by_phone(alice, anon) -> None:  # type: ignore[no-untyped-def]
    r = _login(anon, "13800000001")
    assert r.status_code == 200
    alice.user.refresh_from_db()
    assert alice.user.last_login is not None


def test_wrong_password_unknown_user_and_inactive_user_look_the_same(alice, anon) -> None:  # type: ignore[no-untyped-def]
    inactive = UserFactory.create(username="gone", is_active=False)
    answers = [
        _login(anon, "alice", "wrong-password"),
        _login(anon, "nobody"),
        _login(anon, inactive.username),
    ]
    for r in answers:
        assert r.status_code == 401
        assert r.data["code"] == "authentication_failed"
    assert len({r.data["message"] for r in answers}) == 1


def test_login_validation_error(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.post(url("auth/token/"), {"login": "alice"})
    assert r.status_code == 400
    assert r.data["code"] == "validation_error"
    assert "password" in r.data["fields"]


def test_an_empty_phone_never_logs_in(db, anon) -> None:  # type: ignore[no-untyped-def]
    UserFactory.create(username="nophone", phone="")
    assert _login(anon, "").status_code == 400


def test_refresh_rotates_and_bad_refresh_is_401(alice, anon) -> None:  # type: ignore[no-untyped-def]
    tokens = _login(anon, "alice").data
    r = anon.post(url("auth/token/refresh/"), {"refresh": tokens["refresh"]})
    assert r.status_code == 200
    assert r.data["access"] and r.data["refresh"]
    bad = anon.post(url("auth/token/refresh/"), {"refresh": "not-a-token"})
    assert bad.status_code == 401
    assert bad.data["code"] == "authentication_failed"
    assert anon.post(url("auth/token/refresh/"), {}).status_code == 400


def test_a_rotated_refresh_token_is_spent(alice, anon) -> None:  # type: ignore[no-untyped-def]
    old = _login(anon, "alice").data["refresh"]
    new = anon.post(url("auth/token/refresh/"), {"refresh": old})
    assert new.status_code == 200 and new.data["refresh"] != old
    # A copy of the old token (stolen, or a second device) no longer works...
    replay = anon.post(url("auth/token/refresh/"), {"refresh": old})
    assert replay.status_code == 401
    # ...while the app's current one still does.
    assert (
        anon.post(url("auth/token/refresh/"), {"refresh": new.data["refresh"]}).status_code == 200
    )


def test_logout_revokes_the_refresh_token(alice, anon) -> None:  # type: ignore[no-untyped-def]
    tokens = _login(anon, "alice").data
    r = anon.post(url("auth/logout/"), {"refresh": tokens["refresh"]})
    assert r.status_code == 204 and not r.content
    refused = anon.post(url("auth/token/refresh/"), {"refresh": tokens["refresh"]})
    assert refused.status_code == 401 and refused.data["code"] == "authentication_failed"
    # A retried logout is not an error; a forged token or an access token is.
    assert anon.post(url("auth/logout/"), {"refresh": tokens["refresh"]}).status_code == 204
    assert anon.post(url("auth/logout/"), {"refresh": "not-a-token"}).status_code == 401
    assert anon.post(url("auth/logout/"), {"refresh": tokens["access"]}).status_code == 401
    missing = anon.post(url("auth/logout/"), {})
    assert missing.status_code == 400 and "refresh" in missing.data["fields"]
    # Another session of the same user is untouched.
    other = _login(anon, "alice").data["refresh"]
    assert anon.post(url("auth/token/refresh/"), {"refresh": other}).status_code == 200


def test_refresh_for_a_disabled_or_deleted_account_is_401(alice, anon) -> None:  # type: ignore[no-untyped-def]
    first = _login(anon, "alice").data["refresh"]
    second = _login(anon, "alice").data["refresh"]
    alice.user.is_active = False
    alice.user.save(update_fields=["is_active"])
    disabled = anon.post(url("auth/token/refresh/"), {"refresh": first})
    assert disabled.status_code == 401
    alice.user.delete()
    deleted = anon.post(url("auth/token/refresh/"), {"refresh": second})
    assert deleted.status_code == 401 and deleted.data["code"] == "authentication_failed"


def test_login_is_throttled_per_address(alice, anon, settings) -> None:  # type: ignore[no-untyped-def]
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["login"].split("/")[0])
    for i in range(limit):
        assert _login(anon, f"someone{i}", "x").status_code == 401
    r = _login(anon, "alice")
    assert r.status_code == 429
    assert r.data["code"] == "throttled"
    assert "Retry-After" in r


def test_login_is_throttled_per_login_name_across_addresses(alice) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings

    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for i in range(limit):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert _login(client, "alice", "wrong").status_code == 401
    other_address = APIClient(REMOTE_ADDR="10.0.1.1")
    assert _login(other_address, "alice").status_code == 429
    assert _login(other_address, "bob-unknown", "x").status_code == 401


def test_me_needs_authentication(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.get(url("me/"))
    assert r.status_code == 401
    assert r.data["code"] == "not_authenticated"


def test_me_lists_every_store_with_its_role(carol) -> None:  # type: ignore[no-untyped-def]
    other = StoreFactory.create(code="carol-own")
    MembershipFactory.create(user=carol.user, store=other, role=StoreMembership.Role.OWNER)
    r = carol.client.get(url("me/"))
    assert [(s["store_code"], s["role"]) for s in r.data["stores"]] == sorted(
        [("alice-store", "clerk"), ("carol-own", "owner")],
        key=lambda s: {"alice-store": carol.store.pk, "carol-own": other.pk}[s[0]],
    )


def test_me_without_an_email_matches_its_schema(alice) -> None:  # type: ignore[no-untyped-def]
    """Fuzzer finding: `email` was documented as `format: email`, but a user without one gets
    "" (not an email address), so the answer broke its own schema."""
    r = alice.client.get(url("me/"))
    assert r.status_code == 200 and r.data["email"] == ""
    schema = json.loads(alice.client.get("/api/schema/", {"format": "json"}).content)
    assert "format" not in schema["components"]["schemas"]["Me"]["properties"]["email"]
