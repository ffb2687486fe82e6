"""Brute-force limits of the admin's login page (django-axes), on the API login's terms.

The same numbers as the API login's throttles: THROTTLE_LOGIN (10/min by default) failed
attempts per client address and, separately, per login name, superusers included; the client
address is found exactly as the throttles find it (REMOTE_ADDR, or with NUM_PROXIES proxies the
address the nearest one appended to X-Forwarded-For, never what the client wrote there). A name
or address that reached the limit is refused with 429 and Retry-After until a rate period has
passed since its last failure, even with the right password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from lst.phones import phone_e164


def client_ip(request: HttpRequest) -> str | None:
    """The client address the API's throttles count (DRF's get_ident with NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def login_name(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The name the API's per-name throttle counts: trimmed, lower-case; a phone in E.164."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return phone_e164(raw) or raw.strip().lower()


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    title = escape(_("Too many failed logins"))
    text = escape(_("Try again in %(seconds)d seconds.") % {"seconds": seconds})
    response = HttpResponse(
        f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>",
        status=429,
        content_type="text/html; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response
