"""Retry a write transaction that lost a deadlock or a serialization race.

PostgreSQL picks a victim when transactions wait on each other (40P01) or cannot be serialized
(40001); the right answer is to run the victim again, not to show the client a 5xx. Attempts are
bounded; when they run out the caller gets a 409 `busy` it can retry later.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from lst.errors import Conflict

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 5
RETRYABLE_PGCODES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__
    if getattr(cause, "pgcode", None) in RETRYABLE_PGCODES:
        return True
    return "database is locked" in str(exc)  # SQLite's equivalent under a concurrent writer


def retry_transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in its own transaction (a savepoint when nested), again on a deadlock."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return fn(*args, **kwargs)
            except OperationalError as exc:
                if not is_retryable(exc):
                    raise
                logger.warning("%s: retryable database error, attempt %d", fn.__name__, attempt)
                if attempt == MAX_ATTEMPTS:
                    raise Conflict(_("The warehouse is busy; please retry."), code="busy") from exc
                # Jittered back-off so the same transactions do not collide again in lockstep.
                time.sleep(random.uniform(0, 0.02 * attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
