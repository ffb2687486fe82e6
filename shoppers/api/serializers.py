"""Output serializers of the shopper API (input serializers live next to their views)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from lst.api.fields import NoteField
from lst.api.openapi import ApiErrorSerializer
from shoppers.models import ShopperAddress, ShopperOrder, ShopperOrderEvent, ShopperOrderLine
from shoppers.selectors import stock_shortages


class ShopperAddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShopperAddress
        fields = ["id", "label", "recipient", "phone", "address", "latitude", "longitude"]


class ShopperOrderLineSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField(source="product.sku")
    barcode = serializers.CharField(source="product.barcode")
    name = serializers.CharField(source="product.name")
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = ShopperOrderLine
        fields = ["product", "sku", "barcode", "name", "quantity", "unit_price", "line_total"]


class ShopperOrderStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


ORDER_FIELDS = [
    "id",
    "status",
    "fulfilment",
    "lines",
    "subtotal",
    "delivery_fee",
    "total",
    "delivery_address",
    "delivery_recipient",
    "delivery_phone",
    "distance_m",
    "note",
    "placed_at",
    "expires_at",
    "accepted_at",
    "estimated_at",
    "completed_at",
    "decline_reason",
]


class ShopperOrderSerializer(serializers.ModelSerializer):
    """An order as its shopper sees it."""

    store = ShopperOrderStoreSerializer()
    lines = ShopperOrderLineSerializer(many=True)

    class Meta:
        model = ShopperOrder
        fields = [ORDER_FIELDS[0], "store", *ORDER_FIELDS[1:]]


class StoreOrderLineSerializer(ShopperOrderLineSerializer):
    short = serializers.SerializerMethodField(
        help_text="Reserved units no longer on hand: a sale ate into them (0 normally)."
    )

    class Meta(ShopperOrderLineSerializer.Meta):
        fields = [*ShopperOrderLineSerializer.Meta.fields, "short"]

    def get_short(self, line: ShopperOrderLine) -> int:
        return int(self.context.get("shortages", {}).get(line.order_id, {}).get(line.product_id, 0))


class StoreOrderShopperSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    phone = serializers.CharField()


class StoreOrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    note = NoteField(read_only=True)

    class Meta:
        model = ShopperOrderEvent
        fields = ["from_status", "to_status", "actor", "note", "data", "created_at"]


class StoreShopperOrderSerializer(serializers.ModelSerializer):
    """An order as the store sees it, with the stock conflict of each line."""

    shopper = StoreOrderShopperSerializer()
    lines = StoreOrderLineSerializer(many=True)
    stock_conflict = serializers.SerializerMethodField(
        help_text="True when a sale ate into units reserved for this order (see lines[].short): "
        "count the stock, then decline or carry on."
    )

    class Meta:
        model = ShopperOrder
        fields = [ORDER_FIELDS[0], "shopper", *ORDER_FIELDS[1:], "stock_conflict"]

    def get_stock_conflict(self, order: ShopperOrder) -> bool:
        return order.pk in self.context.get("shortages", {})


class StoreShopperOrderDetailSerializer(StoreShopperOrderSerializer):
    events = StoreOrderEventSerializer(many=True)

    class Meta(StoreShopperOrderSerializer.Meta):
        fields = [*StoreShopperOrderSerializer.Meta.fields, "events"]


def shortage_context(store: Any, orders: Any) -> dict[str, Any]:
    """Serializer context for store-side orders: the stock shortages of their products."""
    product_ids = {line.product_id for order in orders for line in order.lines.all()}
    if not product_ids:
        return {"shortages": {}}
    return {"shortages": stock_shortages(store=store, product_ids=product_ids)}


class QuoteLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product.pk")
    sku = serializers.CharField(source="product.sku")
    barcode = serializers.CharField(source="product.barcode")
    name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.IntegerField(help_text="Units the store can sell online right now.")


class QuoteSerializer(serializers.Serializer):
    """A basket priced now at one store; nothing is reserved."""

    store = ShopperOrderStoreSerializer()
    fulfilment = serializers.CharField()
    lines = QuoteLineSerializer(many=True)
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivery_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    can_order = serializers.BooleanField(help_text="True when placing it now would succeed.")
    problems = ApiErrorSerializer(
        many=True,
        help_text="Why placing it now would fail, each in the error shape: "
        "store_not_accepting_orders, store_closed, delivery_unavailable, out_of_delivery_radius, "
        "below_minimum_basket, too_many_open_orders, too_many_open_units, insufficient_stock.",
    )
