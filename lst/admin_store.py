"""The store admin as field teams use it: list with the onboarding checklist, onboarding form,
per-store dashboard, territory overview and the "run the pipeline" action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerError

from stores.admin import StoreAdmin
from stores.models import Store

from . import admin_views

admin.site.unregister(Store)


@admin.register(Store)
class StoreOpsAdmin(StoreAdmin):
    actions = ("run_pipeline",)
    change_list_template = "admin/stores/store/change_list_ops.html"

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:store_id>/dashboard/",
                wrap(self.dashboard_view),
                name="lst_store_dashboard",
            ),
            path("overview/", wrap(self.overview_view), name="lst_territory_overview"),
            path("onboard/", wrap(self.onboard_view), name="lst_store_onboard"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest, store_id: int) -> HttpResponse:
        store = self.get_object(request, str(store_id))  # 404 outside the territories
        if not self.has_view_permission(request, store):
            raise admin_views.Http404
        return admin_views.store_dashboard(request, self, store)

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise admin_views.PermissionDenied
        return admin_views.territory_overview(request, self)

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise admin_views.PermissionDenied
        return admin_views.store_onboard(request, self)

    @admin.action(description=gettext_lazy("Run the purchase-suggestion pipeline for these stores"))
    def run_pipeline(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        from recommendations.tasks import nightly_pipeline

        ids = sorted(queryset.values_list("pk", flat=True))
        try:
            result = nightly_pipeline.delay(store_ids=ids)
        except BrokerError:
            messages.error(request, _("The task queue is unavailable; try again in a moment."))
            return
        messages.success(
            request,
            _("Pipeline queued for %(n)d store(s) (task %(task)s).")
            % {"n": len(ids), "task": result.id},
        )
