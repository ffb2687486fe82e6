"""A store's stock: list with filters, movement history, counts and waste."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Product
from lst.api.fields import BoundedDateTimeField, IdField, NoteField
from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from lst.api.params import query_params
from stores.models import StockLevel, StockMovement
from stores.selectors import sales_window, stock_list, stock_movements, store_get_for_user
from stores.services import stock_count, stock_waste

PRODUCT_ID = OpenApiParameter("product_id", int, OpenApiParameter.PATH)
CENT = Decimal("0.01")


class StockProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "barcode",
            "name",
            "name_en",
            "brand",
            "category_id",
            "case_pack",
            "retail_price",
            "is_active",
        ]


class StockItemSerializer(serializers.ModelSerializer):
    product = StockProductSerializer(read_only=True)
    recent_units = serializers.IntegerField(
        help_text="Units sold in the sales window (the last STOCK_SALES_WINDOW_DAYS local days)."
    )
    avg_daily_sales = serializers.SerializerMethodField()
    days_of_cover = serializers.SerializerMethodField()
    low = serializers.SerializerMethodField()
    reserved = serializers.IntegerField(
        read_only=True,
        help_text="Units promised to open shopper orders. Above on_hand: sales ate into them "
        "(see the shopper orders' stock_conflict).",
    )

    class Meta:
        model = StockLevel
        fields = [
            "product",
            "on_hand",
            "reserved",
            "needs_count",
            "last_counted_at",
            "recent_units",
            "avg_daily_sales",
            "days_of_cover",
            "low",
            "updated_at",
        ]

    def _avg(self, level: Any) -> Decimal:
        days = self.context["window_days"]
        return Decimal(level.recent_units) / days

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_avg_daily_sales(self, level: Any) -> str:
        return str(self._avg(level).quantize(CENT, ROUND_HALF_UP))

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True))
    def get_days_of_cover(self, level: Any) -> str | None:
        avg = self._avg(level)
        if not avg:
            return None
        return str((level.on_hand / avg).quantize(Decimal("0.1"), ROUND_HALF_UP))

    def get_low(self, level: Any) -> bool:
        days = self.context["window_days"]
        return bool(level.on_hand * days < settings.STOCK_LOW_DAYS * level.recent_units)


def _stock_context(store: Any) -> dict[str, Any]:
    return {"window_days": sales_window(store=store)[2]}


class StockQuerySerializer(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, min_value=1, help_text="Category id; includes subcategories."
    )
    low = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: on hand below STOCK_LOW_DAYS (3) days of recent average daily sales.",
    )
    out = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: nothing on hand."
    )
    q = serializers.CharField(
        required=False, max_length=100, help_text="Name, brand, SKU, barcode."
    )


class StockListView(ListAPIView):
    @extend_schema(
        operation_id="stores_stock_list",
        tags=["inventory"],
        parameters=[STORE_ID, StockQuerySerializer],
        responses={200: StockItemSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = query_params(StockQuerySerializer, request)
        levels = stock_list(
            store=store,
            category_id=params.get("category"),
            low=params.get("low"),
            out=params.get("out"),
            q=params.get("q", ""),
        )
        return self.paginated(request, levels, StockItemSerializer, _stock_context(store))


class MovementSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    note = NoteField(read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "kind", "quantity", "occurred_at", "reference", "note", "created_by"]


class MovementQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices, required=False)
    since = BoundedDateTimeField(required=False, help_text="From this time, inclusive.")
    until = BoundedDateTimeField(required=False, help_text="Before this time.")


class MovementListView(ListAPIView):
    @extend_schema(
        operation_id="stores_stock_movements_list",
        tags=["inventory"],
        parameters=[STORE_ID, PRODUCT_ID, MovementQuerySerializer],
        responses={200: MovementSerializer(many=True), **error_responses(400, 401, 404)},
        description="The product's stock ledger in this store, newest first.",
    )
    def get(self, request: Request, store_id: int, product_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = query_params(MovementQuerySerializer, request)
        movements = stock_movements(store=store, product_id=product_id, **params)
        return self.paginated(request, movements, MovementSerializer)


class ProductIdField(IdField):
    """A product id: an integer (`3.9` or `"3.9"` is a 400, never truncated to product 3),
    rendered as the product."""

    default_error_messages = {
        "does_not_exist": _('Invalid pk "{pk_value}" - object does not exist.')
    }

    def run_validation(self, data: Any = serializers.empty) -> Any:
        pk = super().run_validation(data)  # an integer within the id range
        product = Product.objects.filter(pk=pk).first()
        if product is None:
            self.fail("does_not_exist", pk_value=pk)
        return product


class StockCountInputSerializer(serializers.Serializer):
    product = ProductIdField()
    counted = serializers.IntegerField(min_value=0, max_value=1_000_000)
    counted_at = BoundedDateTimeField(
        required=False,
        max_age=lambda: dt.timedelta(days=settings.POS_MAX_AGE_DAYS),
        max_ahead=lambda: dt.timedelta(minutes=settings.POS_MAX_FUTURE_MINUTES),
        help_text="When the count was taken; default now. At most POS_MAX_AGE_DAYS (7) ago and "
        "POS_MAX_FUTURE_MINUTES (5) ahead.",
    )


def _stock_item(store: Any, product_id: int) -> dict[str, Any]:
    level = stock_list(store=store, product_id=product_id).get()
    return StockItemSerializer(level, context=_stock_context(store)).data  # type: ignore[return-value]


class StockCountView(APIView):
    @extend_schema(
        operation_id="stores_stock_counts_create",
        tags=["inventory"],
        parameters=[STORE_ID, IDEMPOTENCY_KEY],
        request=StockCountInputSerializer,
        responses={201: StockItemSerializer, **error_responses(400, 401, 404, 422)},
        description=(
            "Record a physical count. The ledger gets a `count_correction` movement of the "
            "difference and the `needs_count` flag is cleared. Owners and clerks."
        ),
    )
    @idempotent
    def post(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        data = StockCountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = data.validated_data["product"]
        stock_count(
            store=store,
            product_id=product.pk,
            counted=data.validated_data["counted"],
            counted_at=data.validated_data.get("counted_at"),
            user=request.user,
        )
        return Response(_stock_item(store, product.pk), status=status.HTTP_201_CREATED)


class WasteInputSerializer(serializers.Serializer):
    product = ProductIdField()
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    note = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True, help_text="E.g. expired."
    )


class WasteOutputSerializer(serializers.Serializer):
    movement = MovementSerializer()
    stock = StockItemSerializer()


class WasteView(APIView):
    @extend_schema(
        operation_id="stores_stock_waste_create",
        tags=["inventory"],
        parameters=[STORE_ID, IDEMPOTENCY_KEY],
        request=WasteInputSerializer,
        responses={201: WasteOutputSerializer, **error_responses(400, 401, 404, 409, 422)},
        description=(
            "Write off spoiled or expired units. More than on hand is refused with 409 "
            "`insufficient_stock` (count first). Send an Idempotency-Key: a retried write-off "
            "without one is counted twice."
        ),
    )
    @idempotent
    def post(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        data = WasteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = data.validated_data["product"]
        movement = stock_waste(
            store=store,
            product_id=product.pk,
            quantity=data.validated_data["quantity"],
            note=data.validated_data["note"],
            user=request.user,
        )
        body = {
            "movement": MovementSerializer(movement).data,
            "stock": _stock_item(store, product.pk),
        }
        return Response(body, status=status.HTTP_201_CREATED)
