"""A database that refuses connections answers 503 + Retry-After wherever the error is raised:
in a DRF view or its authentication, in a plain Django view (the admin), or in a middleware on
the way out; the JSON error shape under /api/, a plain page elsewhere, never a stack trace."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from lst.api import auth
from lst.api.tokens import JWTAuthentication

REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def _refuse(*args: object, **kwargs: object) -> None:
    raise REFUSED


def _is_unavailable_json(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert set(response.json()) == {"code", "message", "fields"}


def _is_unavailable_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Traceback" not in body
    assert "OperationalError" not in body


def test_the_jwt_user_lookup_failing_is_503_json(alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    token = str(RefreshToken.for_user(alice.user).access_token)
    monkeypatch.setattr(JWTAuthentication, "get_user", _refuse)
    client = APIClient()
    response = client.get(f"/api/v1/stores/{alice.store.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    _is_unavailable_json(response)


def test_login_with_the_database_down_is_503_json(alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(auth, "user_authenticate", _refuse)
    response = APIClient().post(
        "/api/v1/auth/token/", {"login": "alice", "password": "pass-word-123"}, format="json"
    )
    _is_unavailable_json(response)


def test_the_admin_with_the_session_store_down_is_a_plain_503_page(
    alice, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True  # not even the debug page's stack trace
    alice.user.is_staff = True
    alice.user.save()
    client = Client(raise_request_exception=False)
    client.force_login(alice.user)
    monkeypatch.setattr(SessionStore, "load", _refuse)
    _is_unavailable_page(client.get("/admin/"))


@pytest.mark.urls("tests.lst.unavailable_urls")
@pytest.mark.parametrize("debug", [False, True])
def test_a_session_save_failing_in_the_middleware_is_503(
    db, settings, monkeypatch, debug: bool
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = debug
    monkeypatch.setattr(SessionStore, "save", _refuse)
    client = Client(raise_request_exception=False)
    _is_unavailable_json(client.get("/api/v1/touch-session/"))
    _is_unavailable_page(client.get("/pages/touch-session/"))


@pytest.mark.urls("tests.lst.unavailable_urls")
def test_other_errors_stay_500(db) -> None:  # type: ignore[no-untyped-def]
    response = Client(raise_request_exception=False).get("/api/v1/broken/")
    assert response.status_code == 500
    assert "Retry-After" not in response
