"""Bulk import/export of stores, fixtures and opening stock, scoped to the importing user's
territories: a row naming a store or territory outside them fails like an unknown one.

Opening stock is not written as rows: each line is a stock count through `stock_count`, so the
ledger gets its count-correction movements and stays the source of truth (re-importing the same
count adds nothing).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from catalog.models import Product
from lst.resources import ColumnErrorsResource

from .admin_scoping import scope_queryset, stores_in_scope
from .models import Fixture, StockLevel, Store, Territory
from .services import stock_count


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """Looks the value up among the rows the resource's user may see."""

    def __init__(self, model: Any, field: str, scope: Any) -> None:
        super().__init__(model, field=field)
        self.scope = scope
        self.user: Any = None

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        return self.scope(self.user)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(
                _("%(value)s is not one of yours (unknown or outside your territories).")
                % {"value": value}
            ) from exc


def _territories(user: Any) -> Any:
    return scope_queryset(Territory.objects.all(), user, "")


class ScopedResource(ColumnErrorsResource):
    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(user=user, **kwargs)
        for f in self.fields.values():
            if isinstance(f.widget, ScopedForeignKeyWidget):
                f.widget.user = user

    class Meta:
        abstract = True


class StoreResource(ScopedResource):
    territory = fields.Field(
        attribute="territory",
        column_name="territory",
        widget=ScopedForeignKeyWidget(Territory, "code", _territories),
    )
    warehouse = fields.Field(
        attribute="warehouse",
        column_name="warehouse",
        # Warehouses are an upper app's model: looked up by name, never imported.
        widget=widgets.ForeignKeyWidget(apps.get_model("replenishment", "Warehouse"), field="code"),
    )

    def get_queryset(self) -> Any:
        # Existing stores are matched among the user's own: a code taken elsewhere then fails
        # as a duplicate instead of moving another territory's store.
        return stores_in_scope(self.user)

    class Meta:
        model = Store
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "address",
            "city",
            "district",
            "latitude",
            "longitude",
            "neighbourhood",
            "floor_area_m2",
            "timezone",
            "status",
            "territory",
            "warehouse",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class FixtureResource(ScopedResource):
    store = fields.Field(
        attribute="store",
        column_name="store",
        widget=ScopedForeignKeyWidget(Store, "code", stores_in_scope),
    )

    def get_queryset(self) -> Any:
        return Fixture.objects.filter(store__in=stores_in_scope(self.user))

    class Meta:
        model = Fixture
        import_id_fields = ("store", "name")
        fields = ("store", "name", "kind", "width_cm", "depth_cm", "levels", "eye_level")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class OpeningStockResource(ScopedResource):
    """Columns: store (code), product (SKU), quantity (units counted)."""

    store = fields.Field(
        attribute="store",
        column_name="store",
        widget=ScopedForeignKeyWidget(Store, "code", stores_in_scope),
    )
    product = fields.Field(
        attribute="product",
        column_name="product",
        widget=ScopedForeignKeyWidget(Product, "sku", lambda user: Product.objects.all()),
    )
    quantity = fields.Field(
        attribute="on_hand", column_name="quantity", widget=widgets.IntegerWidget()
    )

    def get_queryset(self) -> Any:
        return StockLevel.objects.filter(store__in=stores_in_scope(self.user))

    def import_instance(self, instance: StockLevel, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
        if instance.on_hand is None and "on_hand" not in errors:
            errors["on_hand"] = [_("A quantity is required.")]
        elif instance.on_hand is not None and instance.on_hand < 0:
            errors["on_hand"] = [_("A count cannot be negative.")]
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: StockLevel, is_create: bool, row: Any, **kwargs: Any) -> None:
        # Through the ledger, never a direct write of on_hand.
        stock_count(
            store=instance.store,
            product_id=instance.product_id,
            counted=int(instance.on_hand),
            user=self.user,
        )

    class Meta:
        model = StockLevel
        import_id_fields = ("store", "product")
        fields = ("store", "product", "quantity")
        clean_model_instances = False
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
