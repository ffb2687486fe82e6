"""Domain exceptions with stable error codes.

Services raise these; the API's exception handler renders them as
`{"code": ..., "message": ..., "fields": {...}}` with the exception's HTTP status. They carry no
HTTP machinery themselves so services stay usable from admin actions, tasks and commands.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "validation_error"


class NotFound(DomainError):
    """Missing and not-yours look the same, so existence never leaks across tenants."""

    status_code = 404
    default_code = "not_found"


class PermissionDenied(DomainError):
    """A role limit inside the caller's own scope (a clerk trying an owner-only action)."""

    status_code = 403
    default_code = "permission_denied"


class Conflict(DomainError):
    status_code = 409
    default_code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    default_code = "payload_too_large"


class IdempotencyMismatch(DomainError):
    status_code = 422
    default_code = "idempotency_key_reused"


class ServiceUnavailable(DomainError):
    """Something the request needs outside the database is down (e.g. the SMS gateway): retry."""

    status_code = 503
    default_code = "service_unavailable"
