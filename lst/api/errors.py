"""One error shape for the whole API: {"code", "message", "fields"}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lst.api.nested_errors import flatten_errors
from lst.errors import DomainError

logger = logging.getLogger(__name__)

_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


#: Database errors that mean "unreachable or restarting", answered 503 + Retry-After everywhere
#: (here for DRF views, in lst.unavailable for everything else).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def service_unavailable_body() -> dict[str, Any]:
    return error_body("service_unavailable", _("The service is briefly unavailable; retry."))


def _flatten_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _flatten_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _flatten_message(next(iter(detail.values())))
    return str(detail)


def _beyond_sqlite_integers(exc: Exception) -> bool:
    """An id beyond 64 bits looked up on SQLite (the embedded default): Python's sqlite3 driver
    cannot even bind it. No row can have such an id, so it is a 404, as on PostgreSQL, where
    the lookup simply finds nothing."""
    return isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.status_code == 503 else None
        return Response(
            error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=retry
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", _("The request body is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DATABASE_UNAVAILABLE):
        # The database is unreachable or restarting: tell the client to retry, never a stack trace.
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        return Response(
            service_unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, Http404) or _beyond_sqlite_integers(exc):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DatabaseError):
        return None

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None)
    if not code:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    if isinstance(exc, exceptions.ValidationError):
        # Nested input (a list of lines) gives nested errors: one level of keys like
        # `items[0].product`, as the schema's ApiError says.
        fields = flatten_errors(exc.detail)
        message = _("Invalid input.")
        if fields:
            first = next(iter(fields))
            message = f"{first}: {_flatten_message(fields[first])}"
        response.data = error_body(code, message, fields)
    else:
        response.data = error_body(str(code), _flatten_message(exc.detail))
    return response


def json_error_view(status_code: int, code: str, message: str) -> JsonResponse:
    """An error answered outside REST framework, in UTF-8 like the API's renderer (not
    `\\u` escapes)."""
    return JsonResponse(
        error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: a URL under /api/ that matches no route (e.g. `stores/abc/`, where the
    store id must be a number) answers the API's error shape; the admin keeps its HTML page."""
    if _is_api(request):
        return json_error_view(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: an unhandled error under /api/ still answers JSON (never a stack trace)."""
    if _is_api(request):
        return json_error_view(500, "server_error", _("A server error occurred."))
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`: a request Django refuses before any view (a Host not in ALLOWED_HOSTS, a
    malformed cookie or header) answers JSON under /api/, like every other API error."""
    if _is_api(request):
        return json_error_view(400, "bad_request", _("Bad request."))
    return defaults.bad_request(request, exception)
