"""Concurrent refreshes of one refresh token (issue 21, item 4): exactly one new live session.

Every thread passes the blacklist check before any of them writes (a barrier right after the
check): the worst interleaving, every time. simplejwt's own rotation blacklists with
get_or_create, which treats "someone else just blacklisted it" as success, so each thread gets a
new session; the test shows that too, so it can fail.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from lst.api.auth import RefreshSerializer
from tests.stores.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 20


def _refresh_all(raw: str, monkeypatch: Any) -> list[int]:
    barrier = threading.Barrier(THREADS)
    check = RefreshToken.check_blacklist

    def check_then_wait(self: RefreshToken) -> None:
        check(self)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=20)

    monkeypatch.setattr(RefreshToken, "check_blacklist", check_then_wait)
    statuses: list[int] = []
    lock = threading.Lock()

    def refresh() -> None:
        try:
            client = APIClient()
            client.raise_request_exception = False
            r = client.post("/api/v1/auth/token/refresh/", {"refresh": raw}, format="json")
            with lock:
                statuses.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return statuses


def _live_sessions(user: Any) -> int:
    return OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count()


def test_twenty_concurrent_refreshes_give_one_new_session(monkeypatch: Any) -> None:
    user = UserFactory.create()
    raw = str(RefreshToken.for_user(user))
    statuses = _refresh_all(raw, monkeypatch)
    assert sorted(statuses) == [200] + [401] * (THREADS - 1)
    assert _live_sessions(user) == 1


def test_the_get_or_create_rotation_gives_a_session_per_thread(monkeypatch: Any) -> None:
    monkeypatch.setattr(RefreshSerializer, "validate", TokenRefreshSerializer.validate)
    user = UserFactory.create()
    raw = str(RefreshToken.for_user(user))
    statuses = _refresh_all(raw, monkeypatch)
    assert statuses.count(200) > 1
    assert _live_sessions(user) > 1
