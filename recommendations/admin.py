from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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
class PurchaseSuggestionAdmin(admin.ModelAdmin):
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
class AssortmentSuggestionAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "product",
        "action",
        "rank",
        "fit_probability",
        "expected_weekly_units",
        "expected_weekly_profit",
        "status",
        "reason_text",
    )
    list_filter = ("action", "status")
    search_fields = ("store__code", "product__sku", "product__name")
    list_select_related = ("store", "product")
    raw_id_fields = ("store", "product", "run")
    readonly_fields = ("reason_text", "answered_at")

    @admin.display(description=_("Reason"))
    def reason_text(self, obj: AssortmentSuggestion) -> str:
        from .api.serializers_assortment import reason_text

        return reason_text(obj.action, obj.reason or {})


class ShelfPlanItemInline(admin.TabularInline):
    model = ShelfPlanItem
    extra = 0
    raw_id_fields = ("product",)


@admin.register(ShelfPlan)
class ShelfPlanAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "fixture",
        "source",
        "expected_daily_profit",
        "current_daily_profit",
        "is_current",
        "created_at",
    )
    list_filter = ("source", "is_current", "fixture__kind")
    search_fields = ("store__code", "fixture__name")
    list_select_related = ("store", "fixture")
    raw_id_fields = ("store", "fixture", "run", "created_by")
    readonly_fields = ("planogram", "change_list", "upper_bound", "unplaced", "dos_shortfall")
    exclude = ("inputs",)
    inlines = (ShelfPlanItemInline,)

    @admin.display(description=_("Planogram"))
    def planogram(self, obj: ShelfPlan) -> str:
        from .services import shelf

        if obj.pk is None:
            return "-"
        # render_planogram builds the SVG with xml.etree: every name is escaped, so it is
        # safe to inline.
        return mark_safe(shelf.planogram_svg(shelf.plan_view(obj), lang=get_language()))  # noqa: S308

    @admin.display(description=_("Changes against the current layout"))
    def change_list(self, obj: ShelfPlan) -> str:
        from .services import shelf

        if obj.pk is None or obj.source != ShelfPlan.Source.RECOMMENDED:
            return "-"
        diff = shelf.plan_view(obj).diff
        zh = (get_language() or "zh-hans").startswith("zh")
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} ({:+.2f}/day)</li>",
                (
                    (c.text_zh if zh else c.text_en, c.daily_profit_change)
                    for c in diff.instructions
                ),
            ),
        )
