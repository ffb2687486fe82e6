from django.contrib import admin

from .models import (
    DailySales,
    Fixture,
    PosReceipt,
    PosReceiptLine,
    StockLevel,
    StockMovement,
    Store,
    StoreMembership,
    Territory,
)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    search_fields = ("code", "name")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    filter_horizontal = ("field_agents",)


class MembershipInline(admin.TabularInline):
    model = StoreMembership
    extra = 0
    autocomplete_fields = ("user",)


class FixtureInline(admin.TabularInline):
    model = Fixture
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "city",
        "district",
        "neighbourhood",
        "status",
        "warehouse",
        "territory",
    )
    search_fields = ("code", "name", "address", "city", "district")
    list_filter = ("status", "neighbourhood", "city", "warehouse", "territory")
    list_select_related = ("warehouse", "territory")
    inlines = (MembershipInline, FixtureInline)


@admin.register(StoreMembership)
class StoreMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "store", "role")
    search_fields = ("user__username", "user__phone", "store__code", "store__name")
    list_filter = ("role",)
    list_select_related = ("user", "store")
    autocomplete_fields = ("user", "store")


@admin.register(Fixture)
class FixtureAdmin(admin.ModelAdmin):
    list_display = ("store", "name", "kind", "width_cm", "levels", "eye_level")
    search_fields = ("store__code", "store__name", "name")
    list_filter = ("kind",)
    list_select_related = ("store",)


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("store", "product", "on_hand", "needs_count", "last_counted_at")
    search_fields = ("store__code", "product__sku", "product__name")
    list_filter = ("needs_count",)
    list_select_related = ("store", "product")
    raw_id_fields = ("store", "product")


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The ledger is append-only: movements are read here, written only by services."""

    list_display = ("occurred_at", "store", "product", "kind", "quantity", "reference")
    search_fields = ("store__code", "product__sku", "product__name", "reference")
    list_filter = ("kind",)
    list_select_related = ("store", "product")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ReceiptLineInline(admin.TabularInline):
    model = PosReceiptLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(PosReceipt)
class PosReceiptAdmin(admin.ModelAdmin):
    list_display = ("uuid", "store", "occurred_at", "local_date", "total")
    search_fields = ("uuid", "store__code")
    list_select_related = ("store",)
    date_hierarchy = "local_date"
    inlines = (ReceiptLineInline,)


@admin.register(DailySales)
class DailySalesAdmin(admin.ModelAdmin):
    list_display = ("date", "store", "product", "units", "revenue", "promo")
    search_fields = ("store__code", "product__sku", "product__name")
    list_filter = ("promo",)
    list_select_related = ("store", "product")
    date_hierarchy = "date"
    raw_id_fields = ("store", "product")
