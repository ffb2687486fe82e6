"""Fixtures for the security tests: fast password hashing, fresh throttles, and the matrix world,
built once per module (each test runs in a savepoint of it, rolled back at its end)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test.utils import override_settings

from .checks import snapshot
from .world import World, build_world

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _roomy_open_order_caps(settings: Any) -> None:
    """The world gives each shopper orders in every state at two stores, more open ones than
    SHOPPER_MAX_OPEN_ORDERS allows; the matrix tests who may place one, not the cap."""
    settings.SHOPPER_MAX_OPEN_ORDERS = 100


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Any:
    """Throttle counters live in the cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Building the world takes hundreds of queries; the matrix has a test per endpoint and
    method. So it is built once per module inside a transaction that is rolled back at the end;
    each test (with `db`) runs in a savepoint of it, exactly like Django's setUpTestData."""
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                built = build_world()
            built.baseline = snapshot()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
