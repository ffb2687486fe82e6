from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext_lazy as _

from lst.errors import DomainError
from stores.admin_scoping import TerritoryScopedAdminMixin

from .models import (
    AssortmentSuggestion,
    ModelVersion,
    PurchaseSuggestion,
    ShelfPlan,
    ShelfPlanItem,
    TrainingRun,
)
from .services import registry
from .services.pipeline import TRAIN_PARTS

#: Backtest rows of the admin's table; "guarded" counts series (x origins) the guard made fall
#: back to a baseline because the forecast was non-finite, negative or absurd.
METRICS = ("wrmsse", "mean_rmsse", "mase", "coverage90", "bias", "guarded")


def _backtest(version: ModelVersion) -> dict[str, dict[str, Any]]:
    return (version.metrics or {}).get("backtest") or {}


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def backtest_table(versions: list[ModelVersion]) -> str:
    """Backtest metrics side by side: one column per (version, model), one row per metric."""
    columns = [(v, name, score) for v in versions for name, score in _backtest(v).items()]
    if not columns:
        return format_html("<p>{}</p>", _("No backtest metrics recorded."))
    head = format_html_join(
        "", "<th>v{}<br>{}</th>", ((v.version, name) for v, name, _s in columns)
    )
    best = {
        m: min(
            (val for _v, _n, s in columns if isinstance(val := s.get(m), int | float)),
            default=None,
            key=lambda x: abs(x - 0.9) if m == "coverage90" else abs(x) if m == "bias" else x,
        )
        for m in METRICS
    }
    rows = format_html_join(
        "",
        "<tr><th>{}</th>{}</tr>",
        (
            (
                m,
                format_html_join(
                    "",
                    "<td class='{}'>{}</td>",
                    (
                        (
                            "lst-best" if s.get(m) is not None and s.get(m) == best[m] else "",
                            _fmt(s.get(m)),
                        )
                        for _v, _n, s in columns
                    ),
                ),
            )
            for m in METRICS
        ),
    )
    return format_html(
        "<table class='lst-backtest' id='backtest-table'><thead><tr><th></th>{}</tr></thead>"
        "<tbody>{}</tbody></table>",
        head,
        rows,
    )


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Recommender operations: versions with their backtest, promote and roll back (superusers,
    or whoever holds the change permission on model versions)."""

    list_display = (
        "kind",
        "version",
        "status",
        "trained_at",
        "data_end",
        "wrmsse",
        "best_baseline",
        "coverage90",
    )
    list_filter = ("kind", "status")
    search_fields = ("note",)
    readonly_fields = ("backtest",)
    actions = ("compare", "promote", "rollback")

    @admin.display(description=gettext_lazy("WRMSSE (model)"))
    def wrmsse(self, obj: ModelVersion) -> str:
        return _fmt((_backtest(obj).get("global") or {}).get("wrmsse"))

    @admin.display(description=gettext_lazy("Best baseline WRMSSE"))
    def best_baseline(self, obj: ModelVersion) -> str:
        scores = [
            (s.get("wrmsse"), name)
            for name, s in _backtest(obj).items()
            if name not in ("global", "previous") and isinstance(s.get("wrmsse"), int | float)
        ]
        if not scores:
            return "—"
        value, name = min(scores)
        return f"{value:.3f} ({name})"

    @admin.display(description=gettext_lazy("P90 coverage"))
    def coverage90(self, obj: ModelVersion) -> str:
        return _fmt((_backtest(obj).get("global") or {}).get("coverage90"))

    @admin.display(description=gettext_lazy("Backtest"))
    def backtest(self, obj: ModelVersion) -> str:
        return backtest_table([obj])

    @admin.action(description=gettext_lazy("Compare backtests side by side"))
    def compare(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> HttpResponse:
        versions = list(queryset.order_by("kind", "-version")[:6])
        return TemplateResponse(
            request,
            "admin/recommendations/modelversion/compare.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Backtest comparison"),
                "table": backtest_table(versions),
                "versions": versions,
            },
        )

    @admin.action(description=gettext_lazy("Promote (serve this version)"), permissions=("change",))
    def promote(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            messages.error(request, _("Select exactly one version to promote."))
            return
        version = queryset.get()
        try:
            registry.model_promote(version=version, note=f"promoted in the admin by {request.user}")
        except DomainError as exc:
            messages.error(request, f"{exc.message} ({exc.code})")
            return
        messages.success(request, _("%(v)s is now serving.") % {"v": version})

    @admin.action(
        description=gettext_lazy("Roll back (serve the previous version again)"),
        permissions=("change",),
    )
    def rollback(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        for kind in sorted(set(queryset.values_list("kind", flat=True))):
            try:
                version = registry.model_rollback(kind=kind)
            except DomainError as exc:
                messages.error(request, f"{kind}: {exc.message} ({exc.code})")
                continue
            messages.success(request, _("%(v)s is now serving.") % {"v": version})


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "progress",
        "stores_done",
        "stores_total",
        "model_version",
        "started_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("model_version",)
    readonly_fields = ("timings", "parts", "error")

    @admin.display(description=gettext_lazy("Progress"))
    def progress(self, obj: TrainingRun) -> str:
        total = obj.chunks_total or 0
        parts = obj.parts or {}
        if not total and any(p in parts for p in TRAIN_PARTS):
            # Still training: which of its parts are done (the chunks come after).
            return ", ".join(f"{p}: {parts.get(p, {}).get('status', '-')}" for p in TRAIN_PARTS)
        pct = round(100 * obj.chunks_done / total) if total else 0
        return format_html(
            '<progress value="{}" max="100" title="{}%"></progress> {}/{}',
            pct,
            pct,
            obj.chunks_done,
            total,
        )


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
        from .explain import assortment_reason_text

        return assortment_reason_text(obj.action, obj.reason or {})


class ShelfPlanItemInline(admin.TabularInline):
    model = ShelfPlanItem
    extra = 0
    raw_id_fields = ("product",)


@admin.register(ShelfPlan)
class ShelfPlanAdmin(TerritoryScopedAdminMixin, admin.ModelAdmin):
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
    # A fixture's name shows its store's code.
    list_select_related = ("store", "fixture", "fixture__store")
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
        from .explain import shelf_change_text

        view = shelf.plan_view(obj)
        lang = get_language()
        names: dict[int | str, str] = {
            pid: shelf.product_label(p, lang) for pid, p in view.products.items()
        }
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} ({:+.2f}/day)</li>",
                (
                    (
                        shelf_change_text(
                            c, name=names.get(c.product_id, str(c.product_id)), language=lang
                        ),
                        c.daily_profit_change,
                    )
                    for c in view.diff.instructions
                ),
            ),
        )
