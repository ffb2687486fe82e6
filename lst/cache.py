"""The cache backend for Redis (CACHE_URL=redis://...), and counters that know when it is down.

A cache is a shortcut, never the only copy: while Redis is unreachable, `FailSoftRedisCache`
answers every read as a miss and drops every write (one warning a minute in the log), so the
API keeps serving from the database instead of answering 500. Counters are different: a
throttle that cannot count must decide what to do (lst/throttling.py), so `add`, `incr` and
`decr` still raise, and `counter_hit` turns the error into `CacheUnavailable`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

try:  # redis is installed with the project; the guard keeps this module importable without it
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[assignment,misc]

#: What "the cache server cannot be reached or refused the command" raises.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
WARN_EVERY_SECONDS = 60.0


class CacheUnavailable(Exception):
    """The cache could not count: its server is unreachable."""


class _Warner:
    def __init__(self) -> None:
        self._last = 0.0
        self._lock = threading.Lock()

    def warn(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < WARN_EVERY_SECONDS:
                return
            self._last = now
        logger.warning(
            "cache unavailable (%s: %s): reads miss, writes are dropped",
            operation,
            exc.__class__.__name__,
        )


_warner = _Warner()


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache whose reads miss and whose writes are dropped while Redis is down."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except CACHE_ERRORS as exc:
            _warner.warn("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except CACHE_ERRORS as exc:
            _warner.warn("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except CACHE_ERRORS as exc:
            _warner.warn("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)  # type: ignore[arg-type]
        except CACHE_ERRORS as exc:
            _warner.warn("set", exc)

    def set_many(self, data: Any, timeout: Any = 300, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)  # type: ignore[arg-type]
        except CACHE_ERRORS as exc:
            _warner.warn("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = 300, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)  # type: ignore[arg-type]
        except CACHE_ERRORS as exc:
            _warner.warn("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except CACHE_ERRORS as exc:
            _warner.warn("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except CACHE_ERRORS as exc:
            _warner.warn("delete_many", exc)


def counter_hit(cache: BaseCache, key: str, seconds: int) -> tuple[int, float]:
    """Count one hit in the window that `key` opened: returns (hits so far, window start).

    The window opens at its first hit and lasts `seconds` (the keys expire with it). `incr` is
    atomic on Redis and on the local-memory cache, so N processes counting at once give
    exactly N (a read-modify-write of a list, as DRF's throttles do, loses hits between the
    read and the write). Raises CacheUnavailable when the cache server cannot be reached.
    """
    start_key = f"{key}:start"
    try:
        for _ in range(3):
            now = time.time()
            cache.add(start_key, now, seconds)
            cache.add(key, 0, seconds)
            try:
                count = int(cache.incr(key))
            except ValueError:  # the window expired between `add` and `incr`: open a new one
                continue
            start = cache.get(start_key)
            return count, float(start) if start is not None else now
    except CACHE_ERRORS as exc:
        raise CacheUnavailable(str(exc)) from exc
    # A cache that keeps nothing (DummyCache: `add` succeeds, `incr` finds no key) counts
    # nothing, as DRF's throttles do with it: one hit, so nothing is throttled.
    return 1, time.time()


def cache_ping(cache: BaseCache) -> None:
    """Raise unless the cache server answers (a counter write, which FailSoftRedisCache does
    not hide); a local-memory cache always answers."""
    counter_hit(cache, "lst:readyz", 5)
