"""Admin pages that are not a model's changelist: store dashboard, territory overview,
onboarding. Thin: they read through `recommendations.dashboard` and write through services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from recommendations import dashboard
from recommendations.models import ShelfPlan
from stores.admin_scoping import stores_in_scope
from stores.onboarding import store_onboard as onboard_service

from .admin_forms import FixtureFormSet, OnboardStoreForm
from .charts import sales_forecast_chart

__all__ = ["Http404", "PermissionDenied", "store_dashboard", "store_onboard", "territory_overview"]


def _context(request: HttpRequest, model_admin: Any, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "app_label": model_admin.model._meta.app_label,
        "title": title,
        **extra,
    }


@dataclass(frozen=True)
class Layout:
    source: str  # ShelfPlan.Source value; the template labels it
    plan: Any | None  # None: nothing of this source for the fixture (the card says so)
    svg: str = ""


@dataclass(frozen=True)
class Shelf:
    fixture: Any
    layouts: tuple[Layout, Layout]  # current first, then the recommendation


def shelves_of(plans: list[tuple[Any, str]]) -> list[Shelf]:
    """The dashboard's planograms one fixture at a time, the current layout beside the
    recommended one, each labelled, and a placeholder where one of them does not exist."""
    by_fixture: dict[int, dict[str, Layout]] = {}
    fixtures: dict[int, Any] = {}
    for plan, svg in plans:
        fixtures.setdefault(plan.fixture_id, plan.fixture)
        by_fixture.setdefault(plan.fixture_id, {})[plan.source] = Layout(
            plan.source,
            plan,
            mark_safe(svg),  # noqa: S308 - built with ElementTree, every text escaped
        )
    order = (ShelfPlan.Source.CURRENT, ShelfPlan.Source.RECOMMENDED)
    return [
        Shelf(
            fixture=fixtures[fid],
            layouts=tuple(  # type: ignore[arg-type]
                by_fixture[fid].get(source, Layout(str(source), None)) for source in order
            ),
        )
        for fid in sorted(fixtures, key=lambda f: (fixtures[f].name, f))
    ]


def store_dashboard(request: HttpRequest, model_admin: Any, store: Any) -> HttpResponse:
    dash = dashboard.store_dashboard(store, today=timezone.localdate())
    forecast = []
    if dash.forecast:
        forecast = list(
            zip(dash.forecast.dates, dash.forecast.mean, dash.forecast.p90, strict=True)
        )
    chart = sales_forecast_chart(
        [(p.date, p.value) for p in dash.history],
        forecast,
        labels={
            "history": _("Units sold"),
            "forecast": _("Forecast"),
            "band": _("Up to P90"),
            "title": _("Daily units sold and forecast"),
            "empty": _("No sales yet"),
        },
    )
    return TemplateResponse(
        request,
        "admin/lst/store_dashboard.html",
        _context(
            request,
            model_admin,
            _("Dashboard: %(store)s") % {"store": store},
            store=store,
            dash=dash,
            chart=mark_safe(chart),  # noqa: S308 - built with ElementTree, every text escaped
            shelves=shelves_of(dash.plans),
        ),
    )


def territory_overview(request: HttpRequest, model_admin: Any) -> HttpResponse:
    sort = request.GET.get("sort", "trend")
    if sort not in dashboard.OVERVIEW_SORTS:
        sort = "trend"
    rows = dashboard.territory_overview(
        stores_in_scope(request.user), today=timezone.localdate(), sort=sort
    )
    return TemplateResponse(
        request,
        "admin/lst/territory_overview.html",
        _context(
            request,
            model_admin,
            _("Territory overview"),
            rows=rows[:500],
            total=len(rows),
            sort=sort,
            sorts=dashboard.OVERVIEW_SORTS,
        ),
    )


def store_onboard(request: HttpRequest, model_admin: Any) -> HttpResponse:
    form = OnboardStoreForm(request.POST or None, user=request.user)
    fixtures = FixtureFormSet(request.POST or None, prefix="fixtures")
    if request.method == "POST" and form.is_valid() and fixtures.is_valid():
        result = onboard_service(
            store=form.save(commit=False),
            owner_username=form.cleaned_data["owner_username"],
            owner_phone=form.cleaned_data["owner_phone"],
            owner_name=form.cleaned_data["owner_name"],
            fixtures=[f.cleaned_data for f in fixtures.forms if f.has_changed() and f.cleaned_data],
        )
        model_admin.log_addition(request, result.store, [{"added": {}}])
        # Rendered once, never stored in clear and never redirected to: reload and it is gone.
        response = TemplateResponse(
            request,
            "admin/lst/store_onboarded.html",
            _context(request, model_admin, _("Store onboarded"), result=result),
        )
        response["Cache-Control"] = "no-store"
        return response
    return TemplateResponse(
        request,
        "admin/lst/store_onboard.html",
        _context(request, model_admin, _("Onboard a store"), form=form, fixtures=fixtures),
    )
