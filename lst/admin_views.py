"""Admin pages that are not a model's changelist: store dashboard, territory overview,
onboarding. Thin: they read through `recommendations.dashboard` and write through services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

__all__ = ["Http404", "PermissionDenied", "store_dashboard", "store_onboard", "territory_overview"]


def _context(request: HttpRequest, model_admin: Any, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def store_dashboard(request: HttpRequest, model_admin: Any, store: Any) -> HttpResponse:
    return TemplateResponse(
        request, "admin/lst/store_dashboard.html", _context(request, model_admin, str(store))
    )


def territory_overview(request: HttpRequest, model_admin: Any) -> HttpResponse:
    return TemplateResponse(
        request, "admin/lst/territory_overview.html", _context(request, model_admin, "overview")
    )


def store_onboard(request: HttpRequest, model_admin: Any) -> HttpResponse:
    return TemplateResponse(
        request, "admin/lst/store_onboard.html", _context(request, model_admin, "onboard")
    )
