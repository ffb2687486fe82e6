"""`Idempotency-Key` for writes a mobile app may retry.

Same key + same request = the stored response, replayed, with no second effect.
Same key + another request = 422. The record is inserted in the same transaction as the write it
guards, so a concurrent duplicate blocks on the unique index until the first commits, then replays
its answer; if the first fails (5xx or rollback), nothing is stored and a retry runs afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from lst.errors import IdempotencyMismatch, ValidationFailed
from lst.models import IdempotencyRecord, User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


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
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        request_hash=request_hash,
                        response_status=0,
                        response_body={},
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.get(user=user, key=key)
                return _replay(existing, request_hash)
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
