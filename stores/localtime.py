"""Store-local time: each store's dates (daily sales, "today") follow its own `timezone`."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from .models import DEFAULT_TZ, Store


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of a store's `timezone` value; an empty or unknown name is the default zone."""
    return _zone(name or DEFAULT_TZ)


def store_zone(store: Store) -> ZoneInfo:
    return zone_named(store.timezone)


def store_local_date(store: Store, at: dt.datetime | None = None) -> dt.date:
    """The calendar date in the store's timezone at `at` (an aware datetime; default now)."""
    return (at or timezone.now()).astimezone(store_zone(store)).date()
