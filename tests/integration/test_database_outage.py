"""Fault drill: PostgreSQL refuses connections for a while.

The API runs under gunicorn in a subprocess and reaches the database through a TCP proxy in
this process, which drops the live connections and resets new ones on demand (the shared
server itself is never touched). While it refuses: the API answers 503 with the JSON error shape
and Retry-After (authenticated store endpoints and the login alike), the admin a plain 503 page,
/readyz 503 and /healthz 200. When it accepts again, the same requests succeed without a restart.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from tests.integration.support import Reply, TcpProxy, database_url, http

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def db_proxy() -> Iterator[TcpProxy]:
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


def _unavailable_json(reply: Reply) -> None:
    assert reply.status == 503, reply.body[:300]
    assert reply.headers.get("Retry-After") == "5"
    assert reply.headers.get("Content-Type") == "application/json"
    body = reply.json()
    assert body["code"] == "service_unavailable"
    assert set(body) == {"code", "message", "fields"}


def test_postgres_refusing_connections_is_503_then_recovers_by_itself(
    alice, db_proxy, start_api
) -> None:  # type: ignore[no-untyped-def]
    # The server keeps its connection between requests (the default CONN_MAX_AGE, with health
    # checks): the drill also shows a stale one is replaced.
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    api = start_api(DATABASE_URL=database_url(db_proxy.port))
    token = str(RefreshToken.for_user(alice.user).access_token)
    alice.user.is_staff = True
    alice.user.is_superuser = True
    alice.user.save()
    staff = Client()
    staff.force_login(alice.user)
    session = f"sessionid={staff.cookies['sessionid'].value}"

    def profile() -> Reply:
        return http(f"{api}/api/v1/stores/{alice.store.pk}/", token=token)

    def stock() -> Reply:
        return http(f"{api}/api/v1/stores/{alice.store.pk}/stock/", token=token)

    def login() -> Reply:
        return http(
            f"{api}/api/v1/auth/token/",
            method="POST",
            data={"login": "alice", "password": "pass-word-123"},
        )

    def admin() -> Reply:
        return http(f"{api}/admin/", cookies=session)

    assert profile().status == 200
    assert stock().status == 200
    assert admin().status == 200

    assert db_proxy.live >= 1  # the server's persistent connection, cut by refuse()
    db_proxy.refuse()
    _unavailable_json(profile())
    _unavailable_json(stock())
    _unavailable_json(login())
    page = admin()
    assert page.status == 503
    assert page.headers.get("Retry-After") == "5"
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"Traceback" not in page.body
    assert b"OperationalError" not in page.body
    ready = http(f"{api}/readyz")
    assert ready.status == 503
    assert ready.json()["checks"]["database"].startswith("error")
    assert http(f"{api}/healthz").status == 200

    db_proxy.accept()
    assert profile().status == 200
    assert profile().json()["id"] == alice.store.pk
    assert stock().status == 200
    signed_in = login()
    assert signed_in.status == 200, signed_in.body[:300]
    assert "access" in signed_in.json()
    assert admin().status == 200
    assert http(f"{api}/readyz").status == 200
