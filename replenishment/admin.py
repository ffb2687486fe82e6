from django.contrib import admin

from .models import ReplenishmentOrder, ReplenishmentOrderLine, Warehouse, WarehouseStock


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


class OrderLineInline(admin.TabularInline):
    model = ReplenishmentOrderLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(ReplenishmentOrder)
class ReplenishmentOrderAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "store",
        "warehouse",
        "status",
        "total",
        "submitted_at",
        "promised_delivery_date",
    )
    search_fields = ("id", "store__code", "store__name")
    list_filter = ("status", "warehouse", "store__territory")
    list_select_related = ("store", "warehouse")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline,)
