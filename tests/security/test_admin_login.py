"""Brute force against /admin/login/ (issue 21, item 3): the API login's limits (THROTTLE_LOGIN,
10/min) per client address and per login name, superusers included, an address found the way
the throttles find it (a client-written X-Forwarded-For changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.stores.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"
LIMIT = 10  # THROTTLE_LOGIN's default, 10/min


def _post(client: Client, username: str, password: str, addr: str = "203.0.113.5", **extra: Any):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=addr,
        **extra,
    )


def _logged_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def staff() -> Any:
    return UserFactory.create(username="agent", is_staff=True)


@pytest.fixture
def root() -> Any:
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("who", ["staff", "root"])
def test_the_right_password_is_refused_after_the_limit(who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    client = Client()
    answers = [_post(client, user.username, "wrong").status_code for _ in range(LIMIT + 30)]
    assert answers[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, "wrong password"
    assert set(answers[LIMIT - 1 :]) == {429}
    locked = _post(client, user.username, PASSWORD)
    assert locked.status_code == 429 and not _logged_in(locked)
    assert locked["Retry-After"] == "60"
    assert "_auth_user_id" not in client.session


def test_below_the_limit_the_right_password_logs_in(staff: Any) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert _post(client, "agent", "wrong").status_code == 200
    assert _logged_in(_post(client, "agent", PASSWORD))


def test_per_name_whatever_the_address(staff: Any) -> None:
    for i in range(LIMIT):
        _post(Client(), "Agent ", "wrong", addr=f"198.51.100.{i + 1}")  # case and spaces: one name
    locked = _post(Client(), "agent", PASSWORD, addr="192.0.2.200")
    assert locked.status_code == 429


def test_per_address_whatever_the_name(staff: Any) -> None:
    for i in range(LIMIT):
        _post(Client(), f"nobody{i}", "wrong")
    assert _post(Client(), "agent", PASSWORD).status_code == 429
    # Another address is not affected.
    assert _logged_in(_post(Client(), "agent", PASSWORD, addr="192.0.2.201"))


def test_a_forged_forwarded_for_does_not_make_new_addresses(staff: Any) -> None:
    """NUM_PROXIES=0: X-Forwarded-For is the client's own text and is ignored, as by the API."""
    for i in range(LIMIT):
        _post(Client(), f"nobody{i}", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}")
    assert _post(Client(), "agent", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.99").status_code == 429


def test_behind_one_proxy_the_proxys_address_counts(staff: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for i in range(LIMIT):
        # One client (203.0.113.77, appended by the proxy) forging a fresh prefix each time.
        _post(Client(), f"nobody{i}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.77")
    behind = "1.2.3.4, 203.0.113.77"
    assert _post(Client(), "agent", PASSWORD, HTTP_X_FORWARDED_FOR=behind).status_code == 429
    other = "203.0.113.78"
    assert _logged_in(_post(Client(), "agent", PASSWORD, HTTP_X_FORWARDED_FOR=other))


def test_the_lock_ends_a_period_after_the_last_failure(staff: Any) -> None:
    client = Client()
    for _ in range(LIMIT):
        _post(client, "agent", "wrong")
    assert _post(client, "agent", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=61))
    assert _logged_in(_post(client, "agent", PASSWORD))
