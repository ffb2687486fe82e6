"""Tokens with a valid signature and malformed claims are invalid (401 `authentication_failed`),
as access tokens, as refresh tokens to exchange and as refresh tokens to revoke."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.api.conftest import url
from tests.api.forged_tokens import bad_tokens, forge

pytestmark = pytest.mark.django_db


def _refused(r: Any, label: str) -> None:
    assert r.status_code == 401, (label, r.status_code, r.content[:200])
    body = r.json()
    assert body["code"] == "authentication_failed", (label, body)
    assert set(body) == {"code", "message", "fields"}


def test_a_forged_token_with_good_claims_is_accepted(alice) -> None:  # type: ignore[no-untyped-def]
    """The forge signs as the project does: what the tests below refuse is the claims."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forge(alice.user.pk)}")
    assert client.get(url("me/")).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forge(alice.user.pk, user_id=alice.user.pk)}")
    assert client.get(url("me/")).status_code == 200  # an integer id, as older tokens have
    r = APIClient().post(url("auth/token/refresh/"), {"refresh": forge(alice.user.pk, "refresh")})
    assert r.status_code == 200 and set(r.json()) == {"access", "refresh"}


@pytest.mark.smoke
def test_access_tokens_with_malformed_claims_are_401(alice) -> None:  # type: ignore[no-untyped-def]
    for label, token in bad_tokens(alice.user.pk):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        _refused(client.get(url("me/")), label)
        _refused(client.get(url(f"stores/{alice.store.pk}/stock/")), label)


def test_refresh_tokens_with_malformed_claims_are_401_to_exchange_and_to_revoke(alice) -> None:  # type: ignore[no-untyped-def]
    outstanding = OutstandingToken.objects.count()
    for label, token in bad_tokens(alice.user.pk, "refresh"):
        cache.clear()  # the login-rate throttle guards logout: these are many attempts
        _refused(APIClient().post(url("auth/token/refresh/"), {"refresh": token}), label)
        _refused(APIClient().post(url("auth/logout/"), {"refresh": token}), label)
    assert OutstandingToken.objects.count() == outstanding  # nothing recorded for them
