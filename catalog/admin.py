"""The chain's catalogue. Field agents read it (view permission only, see
`stores.admin_roles`); users holding catalog's add/change permissions edit and import it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ImportExportMixin

from .models import Category, Product
from .resources import ProductResource


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent")
    search_fields = ("code", "name", "name_en")
    list_filter = ("parent",)
    list_select_related = ("parent",)


@admin.register(Product)
class ProductAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = (ProductResource,)

    list_display = (
        "sku",
        "name",
        "brand",
        "category",
        "case_pack",
        "unit_cost",
        "retail_price",
        "is_active",
    )
    search_fields = ("sku", "barcode", "name", "name_en", "brand")
    list_filter = ("is_active", "requires_chilling", "category")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import both adds products and changes existing ones (matched on SKU).
        return bool(
            request.user.has_perm("catalog.add_product")
            and request.user.has_perm("catalog.change_product")
        )
