"""Housekeeping tasks of the project itself, named lst.core.<task>."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="lst.core.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Drop expired refresh tokens (and their revocations) from simplejwt's lists: a token past
    its lifetime is refused anyway, so the rows only grow the tables."""
    call_command("flushexpiredtokens")


@shared_task(name="lst.core.purge_idempotency_records", acks_late=True)
def purge_idempotency_records() -> int:
    """Delete the `Idempotency-Key` records older than IDEMPOTENCY_TTL_HOURS, in batches;
    returns how many were deleted."""
    from lst.api.idempotency import records_purge

    return records_purge()
