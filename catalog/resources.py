"""Bulk import/export of the catalog: products matched by SKU, categories by code."""

from __future__ import annotations

from import_export import fields, widgets

from lst.resources import ColumnErrorsResource

from .models import Category, Product


class ProductResource(ColumnErrorsResource):
    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=widgets.ForeignKeyWidget(Category, field="code"),
    )

    class Meta:
        model = Product
        import_id_fields = ("sku",)
        fields = (
            "sku",
            "barcode",
            "name",
            "name_en",
            "brand",
            "category",
            "case_pack",
            "unit_cost",
            "retail_price",
            "shelf_life_days",
            "width_cm",
            "height_cm",
            "depth_cm",
            "requires_chilling",
            "is_active",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
