"""Fixtures for the store app's API tests (two tenants come from tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Login tests hash many passwords; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Any:
    """Throttle counters live in the cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


def url(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"
