"""Middleware of the API's edges.

`JsonErrorPagesMiddleware`: under /api/ every error answers the JSON error shape, whatever
produced it. Django answers some errors with an HTML page before any view or handler of ours
runs: while DEBUG is on, its technical 404 page (a URL that matches no route) and 400/500 pages
(a Host not in ALLOWED_HOSTS, an unhandled error). An app developer's client parses JSON, in
development too; the trace of an unhandled error stays in the log.

`NoBodyOnReadsMiddleware`: a GET (or HEAD) with a body under /api/ answers 400 `parse_error`.

No read of the API takes a body, and HTTP gives a body on GET no meaning: caches and proxies
ignore it or refuse it, so a view that read one would answer something those in between never
saw. Refusing it outright keeps every read answerable from its URL alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lst.api.errors import json_error_view

READS = frozenset({"GET", "HEAD"})

#: Status -> (code, message) of an HTML error page replaced under /api/.
_PAGE_ERRORS = {
    400: ("bad_request", gettext_noop("Bad request.")),
    403: ("permission_denied", gettext_noop("You do not have permission to perform this action.")),
    404: ("not_found", gettext_noop("Not found.")),
    405: ("method_not_allowed", gettext_noop("Method not allowed.")),
    500: ("server_error", gettext_noop("A server error occurred.")),
}


class JsonErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            status = response.status_code
            code, message = _PAGE_ERRORS.get(
                status, _PAGE_ERRORS[400] if status < 500 else _PAGE_ERRORS[500]
            )
            replaced = json_error_view(status, code, _(message))
            for header in ("Retry-After", "Allow"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


def has_body(request: HttpRequest) -> bool:
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        return True
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True  # a length that is not a number: not a request to serve either


class NoBodyOnReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in READS and request.path.startswith("/api/") and has_body(request):
            return json_error_view(
                400,
                "parse_error",
                _("A %(method)s request takes no body.") % {"method": request.method},
            )
        return self.get_response(request)
