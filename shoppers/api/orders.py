"""The shopper's side: browse a store, place orders (idempotent), follow and cancel them."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from lst.api.auth import PublicEndpointAuthentication
from lst.api.fields import IdField
from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.nested_errors import flatten_errors
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from lst.api.params import query_params
from lst.errors import ValidationFailed
from lst.throttling import ScopedRateThrottle
from shoppers import services
from shoppers.models import ShopperOrder
from shoppers.selectors import order_get_for_shopper, orders_for_shopper, store_shop_products
from stores.api.profile import OpeningHoursField

from .base import ShopperView
from .serializers import QuoteSerializer, ShopperOrderSerializer

ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH)


# --- browsing a store (public) ----------------------------------------------------------------


class ShopStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    opening_hours = OpeningHoursField()
    accepts_online_orders = serializers.BooleanField()
    delivery_radius_km = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="0: pick-up only."
    )
    delivery_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    min_basket_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Smallest subtotal delivered; pick-up: none."
    )


class ShopStoreView(ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "nearby"

    @extend_schema(
        operation_id="shopper_store_retrieve",
        tags=["shoppers"],
        parameters=[STORE_ID],
        responses={200: ShopStoreSerializer, **error_responses(404, 429)},
        auth=[],
        description="Public. An active store's terms for online orders.",
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = services.store_for_shoppers(store_id=store_id)
        return Response(ShopStoreSerializer(store).data)


class ShopProductSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField(source="product.sku")
    barcode = serializers.CharField(source="product.barcode")
    name = serializers.CharField(source="product.name")
    name_en = serializers.CharField(source="product.name_en")
    brand = serializers.CharField(source="product.brand")
    category = serializers.IntegerField(source="product.category_id")
    price = serializers.DecimalField(
        source="product.retail_price", max_digits=12, decimal_places=2, help_text="CNY per unit."
    )
    max_quantity = serializers.SerializerMethodField(
        help_text="Units you can order now (free stock, capped at SHOPPER_MAX_LINE_QUANTITY)."
    )

    def get_max_quantity(self, level: object) -> int:
        return min(int(level.free), settings.SHOPPER_MAX_LINE_QUANTITY)  # type: ignore[attr-defined]


class ShopProductQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Name, brand, barcode.")


class ShopProductListView(ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "nearby"

    @extend_schema(
        operation_id="shopper_store_products_list",
        tags=["shoppers"],
        parameters=[STORE_ID, ShopProductQuerySerializer],
        responses={200: ShopProductSerializer(many=True), **error_responses(400, 404, 429)},
        auth=[],
        description=(
            "Public. What can go in a basket at this store: active products with free stock "
            "(on hand minus units reserved for other orders), by name, at the store's price."
        ),
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = services.store_for_shoppers(store_id=store_id)
        params = query_params(ShopProductQuerySerializer, request)
        levels = store_shop_products(store=store, q=params.get("q", ""))
        return self.paginated(request, levels, ShopProductSerializer)


# --- orders -------------------------------------------------------------------------------------


class ShopperOrderLineInputSerializer(serializers.Serializer):
    product = IdField(help_text="Product id.")
    quantity = serializers.IntegerField(min_value=1, help_text="Units.")


class ShopperOrderPlaceInputSerializer(serializers.Serializer):
    store = IdField(help_text="Store id.")
    fulfilment = serializers.ChoiceField(choices=ShopperOrder.Fulfilment.choices)
    address = serializers.IntegerField(
        required=False, allow_null=True, help_text="Your address id; required for delivery."
    )
    # Capped before any line is validated (the service checks SHOPPER_MAX_LINES again).
    lines = ShopperOrderLineInputSerializer(  # type: ignore[call-arg]  # passed to the list
        many=True, allow_empty=False, max_length=settings.SHOPPER_MAX_LINES
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if attrs["fulfilment"] == ShopperOrder.Fulfilment.DELIVERY and not attrs.get("address"):
            raise serializers.ValidationError({"address": [_("Required for delivery.")]})
        return attrs


class ShopperOrderQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShopperOrder.Status.choices, required=False)


PLACE_EXAMPLE = {
    "store": 12,
    "fulfilment": "delivery",
    "address": 3,
    "lines": [{"product": 40, "quantity": 2}, {"product": 41, "quantity": 1}],
    "note": "请放门口",
}


class OrderListView(ShopperView):
    @extend_schema(
        operation_id="shopper_orders_list",
        tags=["shoppers"],
        parameters=[ShopperOrderQuerySerializer],
        responses={200: ShopperOrderSerializer(many=True), **error_responses(400, 401, 403, 404)},
        description="Your orders, newest first.",
    )
    def get(self, request: Request) -> Response:
        params = query_params(ShopperOrderQuerySerializer, request)
        orders = orders_for_shopper(shopper=request.user, status=params.get("status"))
        return self.paginated(request, orders, ShopperOrderSerializer)

    @extend_schema(
        operation_id="shopper_orders_create",
        tags=["shoppers"],
        parameters=[IDEMPOTENCY_KEY],
        request=ShopperOrderPlaceInputSerializer,
        responses={
            201: ShopperOrderSerializer,
            **error_responses(400, 401, 403, 404, 409, 422),
        },
        examples=[OpenApiExample("Delivery", value=PLACE_EXAMPLE, request_only=True)],
        description=(
            "Place an order at one store and reserve its stock. Prices are the store's current "
            "retail prices. Send an Idempotency-Key: a retry then never places a second order. "
            "400 `out_of_delivery_radius` (field `address`), `below_minimum_basket` (field "
            "`lines`; deliveries only), `delivery_unavailable`; 404 store not found; 409 "
            "`store_not_accepting_orders`, `insufficient_stock` (`lines[i].quantity` says what "
            "is available, `shortfall` lists it). The store must accept within "
            "SHOPPER_ORDER_ACCEPT_MINUTES (15) or the order expires."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = ShopperOrderPlaceInputSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationFailed(_("Invalid order."), fields=flatten_errors(data.errors))
        v = data.validated_data
        order = services.order_place(
            shopper=request.user,
            store_id=v["store"],
            lines=[services.OrderLineSpec(ln["product"], ln["quantity"]) for ln in v["lines"]],
            fulfilment=v["fulfilment"],
            address_id=v.get("address"),
            note=v["note"],
        )
        order = order_get_for_shopper(shopper=request.user, order_id=order.pk)
        return Response(ShopperOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class ShopperQuoteInputSerializer(ShopperOrderPlaceInputSerializer):
    note = None  # type: ignore[assignment]  # a quote has no note


class QuoteView(ShopperView):
    @extend_schema(
        operation_id="shopper_quote",
        tags=["shoppers"],
        request=ShopperQuoteInputSerializer,
        responses={200: QuoteSerializer, **error_responses(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "Delivery",
                value={k: v for k, v in PLACE_EXAMPLE.items() if k != "note"},
                request_only=True,
            )
        ],
        description=(
            "The basket priced now, as placing it would be: each line's price, total and the "
            "units available, the delivery fee and the total, and `problems`: every reason "
            "placing it now would fail (`store_closed`, `below_minimum_basket`, "
            "`insufficient_stock`, ...), each in the error shape, all at once. Nothing is "
            "reserved; `can_order` is true when the list is empty. 400 / 404 for input that "
            "placing would refuse too (unknown products, no such store)."
        ),
    )
    def post(self, request: Request) -> Response:
        data = ShopperQuoteInputSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationFailed(_("Invalid basket."), fields=flatten_errors(data.errors))
        v = data.validated_data
        quote = services.order_quote(
            shopper=request.user,
            store_id=v["store"],
            lines=[services.OrderLineSpec(ln["product"], ln["quantity"]) for ln in v["lines"]],
            fulfilment=v["fulfilment"],
            address_id=v.get("address"),
        )
        return Response(QuoteSerializer(quote).data)


class OrderDetailView(ShopperView):
    @extend_schema(
        operation_id="shopper_orders_retrieve",
        tags=["shoppers"],
        parameters=[ORDER_ID],
        responses={200: ShopperOrderSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, order_id: int) -> Response:
        order = order_get_for_shopper(shopper=request.user, order_id=order_id)
        return Response(ShopperOrderSerializer(order).data)


class ShopperOrderCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class OrderCancelView(ShopperView):
    @extend_schema(
        operation_id="shopper_orders_cancel",
        tags=["shoppers"],
        parameters=[ORDER_ID, IDEMPOTENCY_KEY],
        request=ShopperOrderCancelInputSerializer,
        responses={200: ShopperOrderSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        description=(
            "Cancel before the store accepts; the stock goes back on offer. 409 "
            "`illegal_transition` once the store has accepted or declined it."
        ),
    )
    @idempotent
    def post(self, request: Request, order_id: int) -> Response:
        order = order_get_for_shopper(shopper=request.user, order_id=order_id)
        data = ShopperOrderCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_cancel(order=order, user=request.user, reason=data.validated_data["reason"])
        order = order_get_for_shopper(shopper=request.user, order_id=order_id)
        return Response(ShopperOrderSerializer(order).data)
