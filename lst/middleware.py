"""One middleware for what operations needs from every request: a request id, one access-log
line, and the HTTP metrics. It sits first in MIDDLEWARE, so it times and sees everything,
including responses made by other middleware (redirects, CSRF failures, 413s)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

from . import metrics
from .request_context import (
    REQUEST_ID_HEADER,
    clean_request_id,
    new_request_id,
    request_id_var,
)

access_logger = logging.getLogger("lst.access")

#: Probes and scrapes that answer well are logged at DEBUG: they arrive every few seconds.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED_ROUTE = "unmatched"  # no URL pattern matched: scanners must not add label values
MAX_LOGGED_PATH = 300


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        # Cleared when the response is closed (request_finished), not on the way out of here:
        # Django logs 4xx responses ("Not Found: ...") after the middleware chain returns.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id
        route = request_route(request)
        metrics.observe_request(
            method=request.method or "", route=route, status=response.status_code, seconds=seconds
        )
        _log_access(request, response, route, seconds)
        return response


def _forget_request_id(**_: Any) -> None:
    request_id_var.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="lst.middleware.forget_request_id")


def request_route(request: HttpRequest) -> str:
    """The URL pattern that served the request ("/api/v1/stores/<int:store_id>/stock/"), never
    the path itself, so the number of label values stays bounded."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return UNMATCHED_ROUTE
    return "/" + match.route


def _user_id(request: HttpRequest) -> int | None:
    # Only a user someone already looked up: forcing the lazy session user here would add a
    # query to every request (and to the query counts the API's tests pin).
    user: Any = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", None) is empty:
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _store_id(request: HttpRequest) -> int | None:
    match = getattr(request, "resolver_match", None)
    raw = match.kwargs.get("store_id") if match is not None else None
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _printable(text: str) -> str:
    """The path as a log-safe string: no newlines or control characters, bounded length."""
    safe = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:MAX_LOGGED_PATH])
    return safe + ("..." if len(text) > MAX_LOGGED_PATH else "")


def _log_access(
    request: HttpRequest, response: HttpResponseBase, route: str, seconds: float
) -> None:
    # The path only: the query string may carry tokens, and bodies and the Authorization header
    # are never logged.
    status = response.status_code
    level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    path = _printable(request.path)
    duration_ms = round(seconds * 1000, 1)
    user_id, store_id = _user_id(request), _store_id(request)
    access_logger.log(
        level,
        "%s %s %s %.1fms user=%s store=%s",
        _printable(request.method or ""),
        path,
        status,
        duration_ms,
        user_id if user_id is not None else "-",
        store_id if store_id is not None else "-",
        extra={
            "method": metrics.http_method_label(request.method),
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
            "store_id": store_id,
        },
    )
