"""The API's throttles: DRF's, counting with an atomic counter, and defined for a cache outage.

DRF's throttles read a list of timestamps from the cache, append and write it back: twelve
gunicorn workers reading at once all see room and all write, so a 10/min limit admitted 14-15.
Here each hit is one atomic `incr` (lst.cache.counter_hit) in a window that opens at the first
hit and lasts the rate's period: at most N requests a window, whatever the number of workers.
The answer to the N+1st is 429 with Retry-After = the seconds left in the window.

When the cache server is unreachable (CACHE_URL=redis://... and Redis is down):
- scopes in THROTTLE_FAIL_CLOSED_SCOPES (default `login` and `otp`: password guesses, code
  guesses, text messages) answer 503 `service_unavailable` with Retry-After: an outage must
  not lift the brute-force limits;
- every other throttle (the general per-address and per-user rates, `nearby`) lets the request
  through: the store app keeps working on the database while the cache is away.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import throttling
from rest_framework.request import Request

from lst.cache import CacheUnavailable, counter_hit
from lst.errors import ServiceUnavailable

logger = logging.getLogger(__name__)


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    """The counting of every throttle below; subclasses say what they count (the cache key)."""

    num_requests: int | None
    duration: int | None
    window_start: float = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        assert self.num_requests is not None and self.duration is not None
        try:
            count, start = counter_hit(self.cache, self.key, self.duration)
        except CacheUnavailable:
            return self._cache_unavailable()
        self.now = self.timer()
        self.window_start = start
        return count <= self.num_requests

    def _cache_unavailable(self) -> bool:
        if self.scope in settings.THROTTLE_FAIL_CLOSED_SCOPES:
            logger.warning("throttle %s cannot count (cache unavailable): 503", self.scope)
            raise ServiceUnavailable(
                _("The service is briefly unavailable; retry."), code="service_unavailable"
            )
        return True

    def wait(self) -> float | None:
        assert self.duration is not None
        return max(0.0, self.window_start + self.duration - self.now)


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    pass
