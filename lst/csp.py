"""Content-Security-Policy on every response (issue 21).

- The API answers JSON that no browser should run or frame: `default-src 'none'`.
- The admin and other pages: scripts, styles, images and forms from this origin only (the
  admin's templates have no inline scripts; inline styles remain, e.g. the planogram's SVG).
- Swagger UI (`/api/docs/`) is served from this origin (drf-spectacular-sidecar's static files)
  and its start-up script is a file too (the split view): no inline script, no CDN.
A response that already has the header (a view that knows better) keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseBase

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _docs_policy() -> str:
    """Swagger UI's page: its files from this origin, or from SWAGGER_UI_DIST's CDN when one is
    configured instead of the sidecar package."""
    from drf_spectacular.settings import spectacular_settings

    dist = str(spectacular_settings.SWAGGER_UI_DIST or "")
    parts = urlsplit(dist)
    cdn = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return (
        f"default-src 'self'; script-src 'self'{cdn}; style-src 'self' 'unsafe-inline'{cdn}; "
        f"img-src 'self' data:{cdn}; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'"
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.docs_policy = _docs_policy()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy_for(request.path)
        return response

    def policy_for(self, path: str) -> str:
        if path.startswith("/api/docs/"):
            return self.docs_policy
        if path.startswith("/api/"):
            return API_POLICY
        return PAGE_POLICY
