"""A GET (or HEAD) with a body under /api/ answers 400 `parse_error`.

No read of the API takes a body, and HTTP gives a body on GET no meaning: caches and proxies
ignore it or refuse it, so a view that read one would answer something those in between never
saw. Refusing it outright keeps every read answerable from its URL alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from lst.api.errors import json_error_view

READS = frozenset({"GET", "HEAD"})


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
