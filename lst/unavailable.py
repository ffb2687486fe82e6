"""A database that refuses connections answers 503 with Retry-After everywhere: the API's JSON
error shape under /api/, a plain page elsewhere (the admin), never a stack trace or a 500.

DRF views map the error themselves (lst/api/errors.py). This middleware covers the rest: plain
Django views such as the admin (`process_exception`), and errors raised in other middleware, such
as a session saved on the way out. Django turns those into a 500 inside the middleware that
raised them, so `got_request_exception` marks the request and the 500 is replaced on the way out.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from lst.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, service_unavailable_body

logger = logging.getLogger(__name__)
_MARK = "_database_unavailable"


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(service_unavailable_body(), status=503)
    else:
        title = escape(_("Service briefly unavailable"))
        text = escape(_("The database cannot be reached right now. Please retry in a moment."))
        response = HttpResponse(
            f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _mark_database_errors(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_database_errors, dispatch_uid="lst.unavailable")


class DatabaseUnavailableMiddleware:
    """Place it near the top of MIDDLEWARE (after SecurityMiddleware), so it sees every 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        return unavailable_response(request)
