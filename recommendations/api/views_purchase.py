"""Purchase suggestions for the owner's app: today's basket, accept into a draft order, dismiss,
and the owner's optional budget."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DecimalKwargs
from lst.api.fields import IdField
from lst.api.idempotency import idempotent
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from stores.selectors import store_get_for_user

from ..explain import purchase_reason_sentence, purchase_reason_text
from ..models import PurchaseSettings, PurchaseSuggestion
from ..reasons import PurchaseReason
from ..selectors import (
    BasketTotals,
    PurchaseListHead,
    basket_summary,
    basket_totals,
    on_hand_now,
    purchase_line_rows,
    purchase_list_head,
)
from ..services.suggestions import (
    AcceptLine,
    purchase_settings_set,
    suggestion_dismiss,
    suggestions_accept,
)

SUGGESTION_ID = OpenApiParameter("suggestion_id", int, OpenApiParameter.PATH)
MONEY: DecimalKwargs = {"max_digits": 12, "decimal_places": 2}


class SuggestionProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    barcode = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    case_pack = serializers.IntegerField()


class SuggestionReasonSerializer(serializers.Serializer):
    weekly_units = serializers.FloatField(help_text="Forecast sales per week.")
    on_hand = serializers.IntegerField()
    on_order = serializers.IntegerField(help_text="Units on open orders, not yet received.")
    next_delivery = serializers.DateField(help_text="When an order placed now arrives.")
    runs_out_on = serializers.DateField(allow_null=True, help_text="When stock on hand runs out.")
    protection_days = serializers.IntegerField(
        help_text="Days the stock must last: until the delivery after the next one."
    )
    order_up_to = serializers.IntegerField(help_text="Target stock over those days.")
    service_level = serializers.FloatField(help_text="Chance of not running out aimed for.")
    limited_by = serializers.CharField(
        help_text="'' or capacity / shelf_life / rounded_up / rounded_down."
    )
    budget_trimmed = serializers.BooleanField()


class PurchaseSuggestionSerializer(serializers.ModelSerializer):
    product = SuggestionProductSerializer()
    cases = serializers.SerializerMethodField()
    line_total = serializers.SerializerMethodField()
    reason = SuggestionReasonSerializer()
    reason_text = serializers.SerializerMethodField()
    on_hand_now = serializers.SerializerMethodField(
        help_text="Stock on hand now; `on_hand` is what the suggestion was computed from (till "
        "sales since then lower this one). null when the store keeps no stock of it.",
    )

    class Meta:
        model = PurchaseSuggestion
        fields = [
            "id",
            "product",
            "kind",
            "quantity",
            "cases",
            "unit_cost",
            "line_total",
            "on_hand",
            "on_hand_now",
            "on_order",
            "forecast_daily",
            "days_until_stockout",
            "next_delivery_date",
            "status",
            "reason",
            "reason_text",
        ]

    def get_cases(self, s: PurchaseSuggestion) -> int:
        return s.quantity // max(s.case_pack, 1)

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_line_total(self, s: PurchaseSuggestion) -> str:
        return str(s.unit_cost * s.quantity)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_on_hand_now(self, s: PurchaseSuggestion) -> int | None:
        if hasattr(s, "on_hand_now"):
            return s.on_hand_now  # type: ignore[no-any-return]
        return on_hand_now(store_id=s.store_id, product_id=s.product_id)

    def get_reason_text(self, s: PurchaseSuggestion) -> str:
        return purchase_reason_text(s, on_hand_now=self.get_on_hand_now(s))

    def to_representation(self, s: PurchaseSuggestion) -> dict[str, Any]:
        """What the declared fields render (they stay the schema), built in one go by
        `line_json`: a basket is rendered line by line, and going field by field through the
        nested serializers cost several times the rest of the request.
        tests/recommendations/test_purchase_render.py holds the two to the same output."""
        p = s.product
        return line_json(
            {
                "id": s.pk,
                "for_date": s.for_date,
                "kind": s.kind,
                "quantity": s.quantity,
                "case_pack": s.case_pack,
                "unit_cost": s.unit_cost,
                "on_hand": s.on_hand,
                # One line (an answer to accept / dismiss): its stock read here.
                "on_hand_now": self.get_on_hand_now(s),
                "on_order": s.on_order,
                "forecast_daily": s.forecast_daily,
                "days_until_stockout": s.days_until_stockout,
                "next_delivery_date": s.next_delivery_date,
                "status": s.status,
                "reason": s.reason,
                "product_id": p.pk,
                "product__sku": p.sku,
                "product__barcode": p.barcode,
                "product__name": p.name,
                "product__name_en": p.name_en,
                "product__case_pack": p.case_pack,
            }
        )


def line_json(v: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
    """A suggestion line as `PurchaseSuggestionSerializer` renders it, from the columns of
    `selectors.LINE_COLUMNS` (a row of `purchase_line_rows`, or an instance's values); the
    sentence in `language` (default: the active one)."""
    r: PurchaseReason = v["reason"]
    quantity, unit_cost = v["quantity"], v["unit_cost"]
    return {
        "id": v["id"],
        "product": {
            "id": v["product_id"],
            "sku": str(v["product__sku"]),
            "barcode": str(v["product__barcode"]),
            "name": str(v["product__name"]),
            "name_en": str(v["product__name_en"]),
            "case_pack": int(v["product__case_pack"]),
        },
        "kind": v["kind"],
        "quantity": int(quantity),
        "cases": quantity // max(v["case_pack"], 1),
        "unit_cost": _decimal(unit_cost, 2),
        "line_total": str(unit_cost * quantity),
        "on_hand": int(v["on_hand"]),
        "on_hand_now": v["on_hand_now"],
        "on_order": int(v["on_order"]),
        "forecast_daily": _decimal(v["forecast_daily"], 3),
        "days_until_stockout": _decimal(v["days_until_stockout"], 1),
        "next_delivery_date": _date(v["next_delivery_date"]),
        "status": v["status"],
        "reason": {
            "weekly_units": float(r.weekly_units),
            "on_hand": int(r.on_hand),
            "on_order": int(r.on_order),
            "next_delivery": _date(r.next_delivery),
            "runs_out_on": _date(r.runs_out_on),
            "protection_days": int(r.protection_days),
            "order_up_to": int(r.order_up_to),
            "service_level": float(r.service_level),
            "limited_by": str(r.limited_by),
            "budget_trimmed": bool(r.budget_trimmed),
        },
        "reason_text": purchase_reason_sentence(
            r,
            for_date=v["for_date"],
            kind=v["kind"],
            language=language,
            on_hand_now=v["on_hand_now"],
        ),
    }


def _decimal(value: Decimal | None, places: int) -> str | None:
    """As REST framework's DecimalField renders it (quantized, half-even, never exponent)."""
    if value is None:
        return None
    return f"{Decimal(value).quantize(_QUANTUM[places], rounding=ROUND_HALF_EVEN):f}"


_QUANTUM = {places: Decimal(1).scaleb(-places) for places in (1, 2, 3)}


def _date(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


class BasketSerializer(serializers.Serializer):
    for_date = serializers.DateField(
        allow_null=True, help_text="The day the suggestions were computed for."
    )
    lines = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY, help_text="Cost of the needed lines (CNY).")
    top_up_total = serializers.DecimalField(**MONEY)
    min_order_value = serializers.DecimalField(**MONEY)
    meets_minimum = serializers.BooleanField()
    shortfall = serializers.DecimalField(**MONEY)
    budget = serializers.DecimalField(**MONEY, allow_null=True)
    promised_delivery_date = serializers.DateField(allow_null=True)


class SuggestionsOutSerializer(serializers.Serializer):
    basket = BasketSerializer()
    lines = PurchaseSuggestionSerializer(many=True)


def current_lines(*, head: PurchaseListHead) -> tuple[list[dict[str, Any]], BasketTotals]:
    """The rendered lines of the store's current suggestions and their totals.

    Rendering explains every line in the request language, which costs more than reading
    them, while the set changes a few times a day (nightly scoring, the owner's answers). So the
    rendering is cached under the set's version (`PurchaseListHead.version`, read with the
    tenant check) and the language: a change makes a new key, and the old entry is never read
    again.
    """
    if head.version is None:
        empty = BasketTotals(for_date=None, lines=0, total=Decimal("0"), top_up_total=Decimal("0"))
        return [], empty
    seconds = settings.SUGGESTIONS_CACHE_SECONDS
    language = get_language()
    # Hashed: the version holds spaces (timestamps), which memcached-style keys may not.
    digest = hashlib.blake2b(head.version.encode(), digest_size=16).hexdigest()
    key = f"purchase-lines:{head.store.pk}:{language}:{digest}"
    if seconds > 0:
        cached = cache.get(key)
        if cached is not None:
            lines, totals = cached
            return lines, totals
    rows = purchase_line_rows(store=head.store)
    out = ([line_json(row, language) for row in rows], basket_totals(rows))
    if seconds > 0:
        cache.set(key, out, seconds)
    return out


class SuggestionsView(APIView):
    @extend_schema(
        operation_id="purchase_suggestions_list",
        summary="Today's purchase suggestions, most urgent first, with the basket summary",
        parameters=[STORE_ID],
        responses={200: SuggestionsOutSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        head = purchase_list_head(user=request.user, store_id=store_id)
        lines, totals = current_lines(head=head)
        summary = basket_summary(store=head.store, totals=totals, budget=head.budget)
        return Response({"basket": BasketSerializer(summary).data, "lines": lines})


class AcceptLineSerializer(serializers.Serializer):
    id = IdField()
    quantity = serializers.IntegerField(
        min_value=0, required=False, help_text="Edited units (whole case packs); omit to keep."
    )


class AcceptInSerializer(serializers.Serializer):
    # DRF passes max_length on to the ListSerializer that many=True builds
    # (LIST_SERIALIZER_KWARGS); the stubs' BaseSerializer.__init__ omits it.
    lines = AcceptLineSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=2000,
        help_text="The lines to accept; omit to accept them all.",
    )
    include_top_ups = serializers.BooleanField(default=True)


class AcceptOutSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    lines = serializers.IntegerField()


class AcceptView(APIView):
    @extend_schema(
        operation_id="purchase_suggestions_accept",
        summary="Accept all or some suggestions (with edited quantities) into a draft order",
        parameters=[STORE_ID, IDEMPOTENCY_KEY],
        request=AcceptInSerializer,
        responses={201: AcceptOutSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        body = AcceptInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        raw = body.validated_data.get("lines")
        lines = None if raw is None else [AcceptLine(x["id"], x.get("quantity")) for x in raw]
        order = suggestions_accept(
            store=store,
            lines=lines,
            user=request.user,
            include_top_ups=body.validated_data["include_top_ups"],
        )
        out = {
            "order_id": order.pk,
            "status": order.status,
            "total": order.total,
            "lines": order.lines.count(),
        }
        return Response(AcceptOutSerializer(out).data, status=status.HTTP_201_CREATED)


class DismissInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True, default="")


class DismissView(APIView):
    @extend_schema(
        operation_id="purchase_suggestions_dismiss",
        summary="Dismiss one suggestion, with a reason (recorded for acceptance reports)",
        parameters=[STORE_ID, SUGGESTION_ID],
        request=DismissInSerializer,
        responses={200: PurchaseSuggestionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, store_id: int, suggestion_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        body = DismissInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        s = suggestion_dismiss(
            store=store,
            suggestion_id=suggestion_id,
            reason=body.validated_data["reason"],
            user=request.user,
        )
        return Response(PurchaseSuggestionSerializer(s).data)


class PurchaseSettingsSerializer(serializers.Serializer):
    budget = serializers.DecimalField(
        **MONEY, allow_null=True, min_value=0, help_text="Cash budget for one order (CNY), or null."
    )


class PurchaseSettingsView(APIView):
    @extend_schema(
        operation_id="purchase_settings_get",
        parameters=[STORE_ID],
        responses={200: PurchaseSettingsSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        row = PurchaseSettings.objects.filter(store=store).first()
        return Response(PurchaseSettingsSerializer({"budget": row.budget if row else None}).data)

    @extend_schema(
        operation_id="purchase_settings_set",
        parameters=[STORE_ID],
        request=PurchaseSettingsSerializer,
        responses={200: PurchaseSettingsSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        body = PurchaseSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = purchase_settings_set(store=store, budget=body.validated_data["budget"])
        return Response(PurchaseSettingsSerializer({"budget": row.budget}).data)
