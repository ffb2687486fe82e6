"""Shopper orders in the admin: per store and territory, with lines and the event trail.

Territory scoping is the admin's shared one (`stores.admin_scoping`): a superuser sees every
order; a field agent sees the orders of the stores of the territories they look after and all
below them, and another territory's order is a 404.
Actions go through the same services as the apps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lst.errors import DomainError
from stores.admin_scoping import TerritoryScopedAdminMixin, scoped_list_filter

from . import services
from .models import (
    ShopperAddress,
    ShopperOrder,
    ShopperOrderEvent,
    ShopperOrderLine,
    ShopperProfile,
)


class LineInline(admin.TabularInline):
    model = ShopperOrderLine
    extra = 0
    can_delete = False
    fields = ("product", "quantity", "unit_price")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ShopperOrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "note", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run(
    request: HttpRequest,
    queryset: QuerySet[ShopperOrder],
    label: str,
    call: Callable[[ShopperOrder], Any],
) -> None:
    done = 0
    for order in queryset.order_by("pk"):
        try:
            call(order)
            done += 1
        except DomainError as exc:
            messages.error(request, f"#{order.pk}: {exc.message} ({exc.code})")
    if done:
        messages.success(request, _("%(label)s: %(n)d order(s).") % {"label": label, "n": done})


@admin.register(ShopperOrder)
class ShopperOrderAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "store",
        "territory",
        "shopper",
        "status",
        "fulfilment",
        "total",
        "placed_at",
        "expires_at",
    )
    list_filter = (
        "status",
        "fulfilment",
        # Only the stores and territories of the orders in scope: never another territory's names.
        scoped_list_filter("store__territory"),
        scoped_list_filter("store"),
        ("placed_at", admin.DateFieldListFilter),
    )
    search_fields = (
        "=id",
        "store__code",
        "store__name",
        "shopper__username",
        "shopper__phone",
        "delivery_phone",
        "delivery_address",
    )
    list_select_related = ("store", "store__territory", "shopper")
    date_hierarchy = "placed_at"
    inlines = (LineInline, EventInline)
    readonly_fields = [f.name for f in ShopperOrder._meta.fields if f.name != "id"]
    actions = ("decline_orders", "expire_due")

    @admin.display(description=gettext_lazy("territory"), ordering="store__territory__name")
    def territory(self, order: ShopperOrder) -> Any:
        return order.store.territory

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # shoppers place orders in the app

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decline instead: that releases the stock and leaves a trail

    @admin.action(description=gettext_lazy("Decline on the store's behalf"))
    def decline_orders(self, request: HttpRequest, queryset: QuerySet[ShopperOrder]) -> None:
        reason = _("Declined in the admin by %(user)s") % {"user": request.user}
        _run(
            request,
            queryset,
            _("Declined"),
            lambda o: services.order_decline(order=o, user=request.user, reason=reason),
        )

    @admin.action(description=gettext_lazy("Expire if past the acceptance deadline"))
    def expire_due(self, request: HttpRequest, queryset: QuerySet[ShopperOrder]) -> None:
        n = sum(1 for o in queryset.order_by("pk") if services.order_expire(order=o.pk))
        messages.success(request, _("Expired: %(n)d order(s).") % {"n": n})


@admin.register(ShopperOrderEvent)
class ShopperOrderEventAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    """The audit trail: read-only."""

    list_display = ("order", "from_status", "to_status", "actor", "created_at")
    list_filter = ("to_status",)
    list_select_related = ("order", "actor")
    search_fields = ("=order__id", "actor__username", "note")
    territory_path = "order__store__territory"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ShopperProfile)
class ShopperProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "created_at")
    search_fields = ("user__username", "user__phone", "display_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(ShopperAddress)
class ShopperAddressAdmin(admin.ModelAdmin):
    list_display = ("shopper", "label", "address", "latitude", "longitude")
    search_fields = ("shopper__username", "shopper__phone", "address")
    list_select_related = ("shopper",)
    raw_id_fields = ("shopper",)
