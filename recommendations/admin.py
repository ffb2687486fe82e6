from django.contrib import admin

from stores.admin_scoping import TerritoryScopedAdminMixin

from .models import (
    AssortmentSuggestion,
    ModelVersion,
    PurchaseSuggestion,
    ShelfPlan,
    ShelfPlanItem,
    TrainingRun,
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "status", "trained_at", "data_start", "data_end")
    list_filter = ("kind", "status")
    search_fields = ("note",)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "chunks_done",
        "chunks_total",
        "stores_done",
        "started_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("model_version",)


@admin.register(PurchaseSuggestion)
class PurchaseSuggestionAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "for_date",
        "store",
        "product",
        "quantity",
        "on_hand",
        "days_until_stockout",
        "status",
    )
    list_filter = ("status", "for_date")
    search_fields = ("store__code", "product__sku", "product__name")
    list_select_related = ("store", "product")
    raw_id_fields = ("store", "product", "run")


@admin.register(AssortmentSuggestion)
class AssortmentSuggestionAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = ("store", "product", "action", "score", "expected_weekly_units", "status")
    list_filter = ("action", "status")
    search_fields = ("store__code", "product__sku", "product__name")
    list_select_related = ("store", "product")
    raw_id_fields = ("store", "product", "run")


class ShelfPlanItemInline(admin.TabularInline):
    model = ShelfPlanItem
    extra = 0
    raw_id_fields = ("product",)


@admin.register(ShelfPlan)
class ShelfPlanAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "store",
        "fixture",
        "expected_daily_profit",
        "current_daily_profit",
        "is_current",
        "created_at",
    )
    list_filter = ("is_current",)
    search_fields = ("store__code", "fixture__name")
    list_select_related = ("store", "fixture")
    inlines = (ShelfPlanItemInline,)
