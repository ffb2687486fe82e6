"""Input serializers validate shapes; output serializers render. Names are unique (OpenAPI)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lst.api.fields import CappedListField, IdField
from lst.errors import ValidationFailed
from replenishment.models import OrderEvent, ReplenishmentOrder, ReplenishmentOrderLine
from replenishment.services import MAX_LINES, WAREHOUSE_ACTIONS

MAX_BULK_ITEMS = 200


# --- input -----------------------------------------------------------------------------------


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors -> `{"lines[2].quantity": ["..."]}`, the shape services use."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_errors(value, name))
    elif isinstance(detail, list) and any(isinstance(v, (dict, list)) for v in detail):
        for i, value in enumerate(detail):
            if value:
                out.update(flatten_errors(value, f"{prefix}[{i}]"))
    else:
        items = detail if isinstance(detail, list) else [detail]
        out[prefix or "non_field_errors"] = [str(v) for v in items]
    return out


def validate(serializer_cls: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_cls(data=data)
    if not serializer.is_valid():
        fields = flatten_errors(serializer.errors)
        first = next(iter(fields))
        raise ValidationFailed(f"{first}: {fields[first][0]}", fields=fields)
    return dict(serializer.validated_data)


class OrderLineInputSerializer(serializers.Serializer):
    product = IdField()
    quantity = serializers.IntegerField(
        min_value=1, required=False, help_text="Units; a multiple of the product's case pack."
    )
    cases = serializers.IntegerField(
        min_value=1, required=False, help_text="Whole cases, instead of quantity."
    )


class OrderCreateInputSerializer(serializers.Serializer):
    lines = CappedListField(child=OrderLineInputSerializer(), min_length=1, max_length=MAX_LINES)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class OrderUpdateInputSerializer(serializers.Serializer):
    lines = CappedListField(
        child=OrderLineInputSerializer(),
        min_length=1,
        max_length=MAX_LINES,
        required=False,
        help_text="Replaces all lines of the draft.",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OrderSubmitInputSerializer(serializers.Serializer):
    allow_partial = serializers.BooleanField(
        default=False,
        help_text="Accept what the warehouse can serve (whole cases) instead of a 409.",
    )


class OrderCancelInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class OrderReceiveLineInputSerializer(serializers.Serializer):
    product = IdField()
    quantity_received = serializers.IntegerField(
        min_value=0, help_text="Units that arrived in good condition (go into store stock)."
    )
    quantity_damaged = serializers.IntegerField(min_value=0, default=0)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class OrderReceiveInputSerializer(serializers.Serializer):
    lines = CappedListField(
        child=OrderReceiveLineInputSerializer(),
        required=False,
        default=list,
        max_length=MAX_LINES,
        help_text="Only lines that did not arrive in full; unlisted lines arrived in full.",
    )


class OrderRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class OrderBulkItemInputSerializer(serializers.Serializer):
    order = IdField()
    action = serializers.ChoiceField(choices=sorted(WAREHOUSE_ACTIONS))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class OrderBulkStatusInputSerializer(serializers.Serializer):
    items = CappedListField(
        child=OrderBulkItemInputSerializer(), min_length=1, max_length=MAX_BULK_ITEMS
    )


class OrderListFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReplenishmentOrder.Status.choices, required=False)


# --- output ----------------------------------------------------------------------------------


class OrderStoreRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class OrderProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    case_pack = serializers.IntegerField()


class OrderLineOutputSerializer(serializers.ModelSerializer):
    """`quantity_cut` is what a partial submission did not reserve; `line_total` is priced on
    reserved units once submitted, on requested units while a draft."""

    product = OrderProductRefSerializer()
    cases = serializers.SerializerMethodField()
    quantity_cut = serializers.SerializerMethodField()
    line_total = serializers.SerializerMethodField()

    class Meta:
        model = ReplenishmentOrderLine
        fields = [
            "id",
            "product",
            "quantity",
            "cases",
            "quantity_reserved",
            "quantity_cut",
            "unit_cost",
            "line_total",
            "quantity_received",
            "quantity_damaged",
            "quantity_short",
            "discrepancy_note",
        ]

    def _submitted(self) -> bool:
        return bool(self.context.get("submitted"))

    def get_cases(self, line: ReplenishmentOrderLine) -> int:
        return line.quantity // line.product.case_pack

    def get_quantity_cut(self, line: ReplenishmentOrderLine) -> int:
        return line.quantity - line.quantity_reserved if self._submitted() else 0

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_line_total(self, line: ReplenishmentOrderLine) -> str:
        units = line.quantity_reserved if self._submitted() else line.quantity
        return f"{units * line.unit_cost:.2f}"


class OrderEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor", "note", "data", "created_at"]

    def get_actor(self, event: OrderEvent) -> str | None:
        return event.actor.get_username() if event.actor else None


class OrderListOutputSerializer(serializers.ModelSerializer):
    store = OrderStoreRefSerializer()
    line_count = serializers.IntegerField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = ReplenishmentOrder
        fields = [
            "id",
            "store",
            "warehouse",
            "status",
            "total",
            "currency",
            "line_count",
            "submitted_at",
            "promised_delivery_date",
            "note",
            "created_at",
            "updated_at",
        ]

    def get_currency(self, order: ReplenishmentOrder) -> str:
        return str(getattr(settings, "CURRENCY", "CNY"))


class OrderDetailOutputSerializer(serializers.ModelSerializer):
    store = OrderStoreRefSerializer()
    currency = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    events = OrderEventOutputSerializer(many=True)

    class Meta:
        model = ReplenishmentOrder
        fields = [
            "id",
            "store",
            "warehouse",
            "status",
            "total",
            "currency",
            "submitted_at",
            "promised_delivery_date",
            "note",
            "reject_reason",
            "created_at",
            "updated_at",
            "lines",
            "events",
        ]

    def get_currency(self, order: ReplenishmentOrder) -> str:
        return str(getattr(settings, "CURRENCY", "CNY"))

    @extend_schema_field(OrderLineOutputSerializer(many=True))
    def get_lines(self, order: ReplenishmentOrder) -> list[dict[str, Any]]:
        context = {"submitted": order.submitted_at is not None}
        return OrderLineOutputSerializer(order.lines.all(), many=True, context=context).data  # type: ignore[return-value]


class OrderCutOutputSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Index of the line in `order.lines`.")
    line_id = serializers.IntegerField()
    product = serializers.IntegerField()
    requested = serializers.IntegerField()
    reserved = serializers.IntegerField()
    cut = serializers.IntegerField()


class OrderSubmitOutputSerializer(serializers.Serializer):
    order = OrderDetailOutputSerializer()
    cuts = OrderCutOutputSerializer(many=True)


class OrderQuoteLineOutputSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    product = OrderProductRefSerializer()
    quantity = serializers.IntegerField()
    cases = serializers.IntegerField()
    stocked = serializers.BooleanField(help_text="False: the warehouse does not stock it.")
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.IntegerField(help_text="Units the warehouse could reserve now.")
    shortfall = serializers.IntegerField()


class OrderQuoteOutputSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    lines = OrderQuoteLineOutputSerializer(many=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    min_order_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    meets_minimum = serializers.BooleanField()
    missing_to_minimum = serializers.DecimalField(max_digits=12, decimal_places=2)
    fully_available = serializers.BooleanField()
    promised_delivery_date = serializers.DateField(allow_null=True)


class OrderBulkResultOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
