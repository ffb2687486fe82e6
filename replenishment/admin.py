from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lst.errors import DomainError
from stores.admin_scoping import TerritoryScopedAdminMixin, scoped_list_filter

from . import services
from .models import (
    OrderEvent,
    ReplenishmentOrder,
    ReplenishmentOrderLine,
    Warehouse,
    WarehouseAccount,
    WarehouseStock,
)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "lead_time_days", "cutoff_time", "min_order_value")
    search_fields = ("code", "name", "address")


@admin.register(WarehouseStock)
class WarehouseStockAdmin(admin.ModelAdmin):
    list_display = ("warehouse", "product", "on_hand", "reserved", "unit_cost")
    search_fields = ("warehouse__code", "product__sku", "product__name")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse", "product")
    raw_id_fields = ("product",)
    # Reservations belong to orders: only the order services move them.
    readonly_fields = ("reserved",)


@admin.register(WarehouseAccount)
class WarehouseAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "warehouse", "created_at")
    list_filter = ("warehouse",)
    list_select_related = ("user", "warehouse")
    search_fields = ("user__username", "warehouse__code")
    raw_id_fields = ("user",)


class OrderLineInline(TerritoryScopedAdminMixin, admin.TabularInline):
    """Read-only: lines change through the services (edit the draft in the app)."""

    model = ReplenishmentOrderLine
    territory_path = "order__store__territory"
    extra = 0
    can_delete = False
    fields = (
        "product",
        "quantity",
        "quantity_reserved",
        "unit_cost",
        "quantity_received",
        "quantity_damaged",
        "quantity_short",
        "discrepancy_note",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderEventInline(TerritoryScopedAdminMixin, admin.TabularInline):
    model = OrderEvent
    territory_path = "order__store__territory"
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "note", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DiscrepancyFilter(admin.SimpleListFilter):
    title = gettext_lazy("delivery discrepancy")
    parameter_name = "discrepancy"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Short or damaged")), ("no", gettext_lazy("None"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        with_discrepancy = ReplenishmentOrderLine.objects.filter(
            Q(quantity_short__gt=0) | Q(quantity_damaged__gt=0)
        ).values("order_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=with_discrepancy)
        if self.value() == "no":
            return queryset.exclude(pk__in=with_discrepancy)
        return queryset


def _run_action(
    request: HttpRequest,
    queryset: QuerySet[ReplenishmentOrder],
    label: str,
    call: Callable[[ReplenishmentOrder], Any],
) -> None:
    """Apply a service to each selected order on its own; report successes and each failure."""
    done = 0
    for order in queryset.order_by("pk"):
        try:
            call(order)
            done += 1
        except DomainError as exc:
            messages.error(request, f"#{order.pk}: {exc.message} ({exc.code})")
    if done:
        messages.success(request, _("%(label)s: %(n)d order(s).") % {"label": label, "n": done})


@admin.register(ReplenishmentOrder)
class ReplenishmentOrderAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "store",
        "warehouse",
        "status",
        "total",
        "submitted_at",
        "promised_delivery_date",
        "created_at",
    )
    search_fields = ("id", "store__code", "store__name")
    list_filter = (
        "status",
        "warehouse",
        scoped_list_filter("store__territory"),
        ("submitted_at", admin.DateFieldListFilter),
        "promised_delivery_date",
        DiscrepancyFilter,
    )
    list_select_related = ("store", "warehouse")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderEventInline)
    readonly_fields = (
        "store",
        "warehouse",
        "status",
        "total",
        "submitted_at",
        "promised_delivery_date",
        "reject_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = (*readonly_fields[:7], "note", *readonly_fields[7:])
    actions = (
        "confirm_orders",
        "start_picking",
        "ship_orders",
        "deliver_orders",
        "cancel_orders",
        "reject_orders",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed from the store app (or a service), never typed in

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel or reject instead: that releases the stock and leaves a trail

    @admin.action(description=gettext_lazy("Confirm (warehouse)"))
    def confirm_orders(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        _run_action(
            request,
            queryset,
            _("Confirmed"),
            lambda o: services.order_confirm(order=o, user=request.user),
        )

    @admin.action(description=gettext_lazy("Start picking (warehouse)"))
    def start_picking(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        _run_action(
            request,
            queryset,
            _("Picking"),
            lambda o: services.order_start_picking(order=o, user=request.user),
        )

    @admin.action(description=gettext_lazy("Ship (warehouse)"))
    def ship_orders(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        _run_action(
            request,
            queryset,
            _("Shipped"),
            lambda o: services.order_ship(order=o, user=request.user),
        )

    @admin.action(description=gettext_lazy("Mark delivered (warehouse)"))
    def deliver_orders(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        _run_action(
            request,
            queryset,
            _("Delivered"),
            lambda o: services.order_deliver(order=o, user=request.user),
        )

    @admin.action(description=gettext_lazy("Cancel on the store's behalf"))
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        note = _("Cancelled in the admin by %(user)s") % {"user": request.user}
        _run_action(
            request,
            queryset,
            _("Cancelled"),
            lambda o: services.order_cancel(order=o, user=request.user, note=note),
        )

    @admin.action(description=gettext_lazy("Reject (warehouse)"))
    def reject_orders(self, request: HttpRequest, queryset: QuerySet[ReplenishmentOrder]) -> None:
        reason = _("Rejected in the admin by %(user)s") % {"user": request.user}
        _run_action(
            request,
            queryset,
            _("Rejected"),
            lambda o: services.order_reject(order=o, user=request.user, reason=reason),
        )


@admin.register(OrderEvent)
class OrderEventAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    """The audit trail: read-only."""

    territory_path = "order__store__territory"

    list_display = ("order", "from_status", "to_status", "actor", "created_at")
    list_filter = ("to_status", "order__warehouse")
    list_select_related = ("order", "actor")
    search_fields = ("order__id", "actor__username", "note")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
