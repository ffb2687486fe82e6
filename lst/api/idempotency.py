"""`Idempotency-Key` for writes a mobile app may retry.

Same key + same request = the stored response, replayed, with no second effect.
Same key + another request = 422. The record is inserted in the same transaction as the write it
guards, so a concurrent duplicate blocks on the unique index until the first commits, then replays
its answer; if the first fails (5xx or rollback), nothing is stored and a retry runs afresh.

Records expire after `IDEMPOTENCY_TTL_HOURS` (48 h by default): a key older than that is a new
request (an app retries within minutes, not days), and `records_purge` (the hourly beat task
`lst.core.purge_idempotency_records`) deletes the expired rows in batches, so the table, which
holds whole response bodies, stays as large as two days of writes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from lst.errors import IdempotencyMismatch, ValidationFailed
from lst.models import IdempotencyRecord, User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PURGE_BATCH = 2000


def expired_before(now: dt.datetime | None = None) -> dt.datetime:
    """Records created before this moment have expired."""
    return (now or timezone.now()) - dt.timedelta(
        hours=getattr(settings, "IDEMPOTENCY_TTL_HOURS", 48)
    )


def records_purge(*, batch: int = PURGE_BATCH, now: dt.datetime | None = None) -> int:
    """Delete the expired records, `batch` rows a statement (each its own short transaction, so
    a backlog never holds a long lock or a huge transaction); returns how many were deleted."""
    cutoff = expired_before(now)
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids, created_at__lt=cutoff).delete()[0]


def _request_hash(request: Request) -> str:
    digest = hashlib.sha256()
    assert request.method is not None  # set on every request a view handles
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise IdempotencyMismatch(
            _("This Idempotency-Key was already used for a different request."),
            fields={HEADER: [_("Use a new key for a new request.")]},
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _create(user: User, key: str, request_hash: str) -> IdempotencyRecord:
    with transaction.atomic():
        return IdempotencyRecord.objects.create(
            user=user, key=key, request_hash=request_hash, response_status=0, response_body={}
        )


def _claim(user: User, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """The new record guarding this request, or the replayed answer of the key's live record.
    An expired record not purged yet is deleted and the key claimed afresh (a concurrent
    request doing the same waits on that row, finds it gone, and then replays the new one)."""
    try:
        return _create(user, key, request_hash)
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        if existing.created_at >= expired_before():
            return _replay(existing, request_hash)
        IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
    try:
        return _create(user, key, request_hash)
    except IntegrityError:
        return _replay(IdempotencyRecord.objects.get(user=user, key=key), request_hash)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView handler (`post`, `put`...) to honour the `Idempotency-Key` header."""

    @functools.wraps(handler)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if not key:
            return handler(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(
                _("Idempotency-Key is too long."), fields={HEADER: [f"max {MAX_KEY_LENGTH}"]}
            )
        request_hash = _request_hash(request)
        user = request.user
        # Records belong to an account: every idempotent view requires authentication.
        assert isinstance(user, User)
        with transaction.atomic():
            record = _claim(user, key, request_hash)
            if not isinstance(record, IdempotencyRecord):
                return record
            response = handler(self, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                response_status=response.status_code, response_body=body
            )
            return response

    return wrapper
