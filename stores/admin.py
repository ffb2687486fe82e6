"""Admin for field teams: territories, stores (with their onboarding checklist), members,
fixtures, stock and sales, every list scoped to the territories the user looks after."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from .admin_forms import StoreAdminForm
from .admin_scoping import TerritoryScopedAdminMixin, scoped_list_filter
from .checklist import CHECKLIST, annotate_checklist, checklist_for
from .models import (
    DailySales,
    Fixture,
    PosReceipt,
    PosReceiptLine,
    StockLevel,
    StockMovement,
    StockOut,
    Store,
    StoreMembership,
    Territory,
)
from .resources import FixtureResource, OpeningStockResource, StoreResource


class UserResourceMixin(ImportExportMixin):
    """Import/export whose resources know the user (to scope lookups to their territories)."""

    def get_resource_kwargs(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}


@admin.register(Territory)
class TerritoryAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    territory_path = ""
    list_display = ("code", "name", "kind", "parent")
    search_fields = ("code", "name")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    filter_horizontal = ("field_agents",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "field_agents":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_staff=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipInline(TerritoryScopedAdminMixin, admin.TabularInline):
    model = StoreMembership
    extra = 0
    autocomplete_fields = ("user",)


class FixtureInline(TerritoryScopedAdminMixin, admin.TabularInline):
    model = Fixture
    extra = 0


class OnboardingFilter(admin.SimpleListFilter):
    title = _("onboarding checklist")
    parameter_name = "checklist"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("done", _("Complete")), ("open", _("Incomplete"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("done", "open"):
            done = {f"ck_{item.key}": True for item in CHECKLIST}
            complete = queryset.filter(**done)
            if self.value() == "done":
                return complete
            return queryset.exclude(pk__in=complete.values("pk"))
        return queryset


@admin.register(Store)
class StoreAdmin(UserResourceMixin, TerritoryScopedAdminMixin, admin.ModelAdmin):
    territory_path = "territory"
    resource_classes = (StoreResource,)
    list_display = (
        "code",
        "name",
        "neighbourhood",
        "status",
        "warehouse",
        "territory",
        "checklist",
        "dashboard_link",
    )
    search_fields = ("code", "name", "address", "city", "district")
    list_filter = (
        "status",
        "neighbourhood",
        OnboardingFilter,
        scoped_list_filter("warehouse"),
        scoped_list_filter("territory"),
    )
    list_select_related = ("warehouse", "territory")
    inlines = (MembershipInline, FixtureInline)
    readonly_fields = ("checklist_detail",)
    form = StoreAdminForm
    fieldsets = (
        (None, {"fields": ("code", "name", "status", "territory", "warehouse")}),
        (
            _("Location"),
            {"fields": ("address", "city", "district", "latitude", "longitude", "neighbourhood")},
        ),
        (_("Details"), {"fields": ("floor_area_m2",)}),
        (_("Opening hours"), {"fields": ("opening_hours", "timezone")}),
        (
            _("Online orders and delivery"),
            {
                "fields": (
                    "accepts_online_orders",
                    "delivery_radius_km",
                    "delivery_fee",
                    "min_basket_value",
                ),
                "description": _(
                    "Shopper orders in the app: home delivery within the radius (the minimum "
                    "basket applies to deliveries only) or pick-up at the store."
                ),
            },
        ),
        (_("Onboarding checklist"), {"fields": ("checklist_detail",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return annotate_checklist(super().get_queryset(request))

    @admin.display(description=_("Onboarding"))
    def checklist(self, obj: Store) -> str:
        items = checklist_for(obj)
        done = sum(1 for _item, ok in items if ok)
        marks = format_html_join(
            "",
            '<span class="ck {}" title="{}">{}</span>',
            (("ck-ok" if ok else "ck-no", item.label, "✔" if ok else "✘") for item, ok in items),
        )
        return format_html(
            '<span class="lst-checklist" data-done="{}">{} {}/{}</span>',
            done,
            marks,
            done,
            len(items),
        )

    @admin.display(description=_("Onboarding checklist"))
    def checklist_detail(self, obj: Store) -> str:
        if obj.pk is None:
            return "—"
        obj = annotate_checklist(Store.objects.filter(pk=obj.pk)).get()
        return format_html(
            "<ul class='lst-checklist-detail'>{}</ul>",
            format_html_join(
                "",
                "<li>{} {}</li>",
                (("✔" if ok else "✘", item.label) for item, ok in checklist_for(obj)),
            ),
        )

    @admin.display(description=_("Dashboard"))
    def dashboard_link(self, obj: Store) -> str:
        url = reverse("admin:lst_store_dashboard", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Dashboard"))


@admin.register(StoreMembership)
class StoreMembershipAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "store", "role")
    search_fields = ("user__username", "user__phone", "store__code", "store__name")
    list_filter = ("role",)
    list_select_related = ("user", "store")
    autocomplete_fields = ("user", "store")


@admin.register(Fixture)
class FixtureAdmin(UserResourceMixin, TerritoryScopedAdminMixin, admin.ModelAdmin):
    resource_classes = (FixtureResource,)
    list_display = ("store", "name", "kind", "width_cm", "depth_cm", "levels", "eye_level")
    search_fields = ("store__code", "store__name", "name")
    list_filter = ("kind",)
    list_select_related = ("store",)
    autocomplete_fields = ("store",)


@admin.register(StockLevel)
class StockLevelAdmin(UserResourceMixin, TerritoryScopedAdminMixin, admin.ModelAdmin):
    """Read-only numbers: every field of a stock level is kept by the domain (on hand by the
    ledger, reserved by shopper orders' reservations, needs count by shortfalls, last counted by
    counts), so none is typed here, whoever the user. Opening stock is imported here (each line
    a count through `stock_count`; the import asks for the add permission, not this form)."""

    resource_classes = (OpeningStockResource,)
    list_display = ("store", "product", "on_hand", "reserved", "needs_count", "last_counted_at")
    search_fields = ("store__code", "product__sku", "product__name")
    list_filter = ("needs_count",)
    list_select_related = ("store", "product")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Every field, a field added to the model later included.
        return [f.name for f in self.model._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opening stock is imported (through stock_count), not typed in

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the change page is a view page: no form, no Save button


@admin.register(StockMovement)
class StockMovementAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    """The ledger is append-only: movements are read here, written only by services."""

    list_display = ("occurred_at", "store", "product", "kind", "quantity", "reference")
    search_fields = ("store__code", "product__sku", "product__name", "reference")
    list_filter = ("kind",)
    list_select_related = ("store", "product")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockOut)
class StockOutAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    """Spells at zero stock, written by the ledger (`stock_apply`); read here, never typed."""

    list_display = ("store", "product", "started_at", "ended_at")
    search_fields = ("store__code", "product__sku", "product__name")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("store", "product")
    date_hierarchy = "started_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReceiptLineInline(TerritoryScopedAdminMixin, admin.TabularInline):
    model = PosReceiptLine
    territory_path = "receipt__store__territory"
    extra = 0
    raw_id_fields = ("product",)


@admin.register(PosReceipt)
class PosReceiptAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = ("uuid", "store", "occurred_at", "local_date", "total")
    search_fields = ("uuid", "store__code")
    list_select_related = ("store",)
    date_hierarchy = "local_date"
    inlines = (ReceiptLineInline,)


@admin.register(DailySales)
class DailySalesAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = ("date", "store", "product", "units", "revenue", "promo")
    search_fields = ("store__code", "product__sku", "product__name")
    list_filter = ("promo",)
    list_select_related = ("store", "product")
    date_hierarchy = "date"
    raw_id_fields = ("store", "product")
