"""The shop owner's side: drafts, quote, submit, cancel, receive, list and detail.

Clerks of the store may read (list, detail, quote); only owners act (403 `owner_only`).
Another store's orders are 404, like missing ones.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import ApiErrorSerializer
from lst.api.pagination import StandardPagination
from replenishment import selectors, services
from replenishment.models import ReplenishmentOrder
from replenishment.services import LineSpec, ReceiptSpec
from stores.selectors import store_get_for_user

from .serializers import (
    OrderCancelInputSerializer,
    OrderCreateInputSerializer,
    OrderDetailOutputSerializer,
    OrderListFilterSerializer,
    OrderListOutputSerializer,
    OrderQuoteOutputSerializer,
    OrderReceiveInputSerializer,
    OrderSubmitInputSerializer,
    OrderSubmitOutputSerializer,
    OrderUpdateInputSerializer,
    validate,
)

TAG = ["orders (store)"]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Same key + same body replays the first answer; another body is a 422.",
)


def _errors(*codes: int) -> dict[int, Any]:
    """The documented errors: 401 for every operation (they all need a token), plus `codes`."""
    described = {
        400: "validation_error (fields name the input, e.g. lines[2].quantity)",
        401: "not_authenticated / authentication_failed: no valid access token",
        403: "owner_only: a clerk tried an owner action",
        404: "not_found: no such store/order, or not yours",
        409: "illegal_transition, insufficient_stock, below_minimum_order_value, ...",
        422: "idempotency_key_reused with another body",
    }
    return {
        c: OpenApiResponse(ApiErrorSerializer, description=described[c])
        for c in sorted({401, *codes})
    }


def _line_specs(lines: list[dict[str, Any]]) -> list[LineSpec]:
    return [LineSpec(x["product"], x.get("quantity"), x.get("cases")) for x in lines]


def _detail(order: ReplenishmentOrder) -> dict[str, Any]:
    fresh = selectors.order_get_for_store(store=order.store, order_id=order.pk)
    return OrderDetailOutputSerializer(fresh).data  # type: ignore[return-value]


class StoreOrderListView(ListAPIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_list",
        parameters=[OrderListFilterSerializer],
        responses={200: OrderListOutputSerializer(many=True), **_errors(400, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = validate(OrderListFilterSerializer, request.query_params)
        qs = selectors.orders_for_store(store=store, status=params.get("status"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OrderListOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="store_orders_create",
        summary="Create a draft order",
        parameters=[IDEMPOTENCY],
        request=OrderCreateInputSerializer,
        responses={201: OrderDetailOutputSerializer, **_errors(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        data = validate(OrderCreateInputSerializer, request.data)
        order = services.order_create_draft(
            store=store, lines=_line_specs(data["lines"]), user=request.user, note=data["note"]
        )
        return Response(_detail(order), status=status.HTTP_201_CREATED)


class StoreOrderDetailView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_retrieve",
        responses={200: OrderDetailOutputSerializer, **_errors(404)},
    )
    def get(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        return Response(OrderDetailOutputSerializer(order).data)

    @extend_schema(
        tags=TAG,
        operation_id="store_orders_update",
        summary="Edit a draft (lines replace all lines)",
        request=OrderUpdateInputSerializer,
        responses={200: OrderDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        data = validate(OrderUpdateInputSerializer, request.data)
        lines = _line_specs(data["lines"]) if "lines" in data else None
        order = services.order_update_draft(
            order=order, lines=lines, note=data.get("note"), user=request.user
        )
        return Response(_detail(order))


class StoreOrderQuoteView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_quote",
        summary="Totals, minimum order check and promised delivery date of a draft",
        responses={200: OrderQuoteOutputSerializer, **_errors(404, 409)},
    )
    def get(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        quote = selectors.order_quote(order=order)
        body = {
            "order": order.pk,
            "lines": [
                {
                    "line_id": q.line.pk,
                    "product": q.line.product,
                    "quantity": q.line.quantity,
                    "cases": q.line.quantity // q.line.product.case_pack,
                    "stocked": q.unit_cost is not None,
                    "unit_cost": q.unit_cost,
                    "line_total": q.line_total,
                    "available": q.available,
                    "shortfall": q.shortfall,
                }
                for q in quote.lines
            ],
            "total": quote.total,
            "currency": OrderDetailOutputSerializer().get_currency(order),
            "min_order_value": quote.min_order_value,
            "meets_minimum": quote.meets_minimum,
            "missing_to_minimum": quote.missing_to_minimum,
            "fully_available": quote.fully_available,
            "promised_delivery_date": quote.promised_delivery_date,
        }
        return Response(OrderQuoteOutputSerializer(body).data)


class StoreOrderSubmitView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_submit",
        summary="Submit a draft: reserve stock, price, promise a delivery date",
        parameters=[IDEMPOTENCY],
        request=OrderSubmitInputSerializer,
        responses={200: OrderSubmitOutputSerializer, **_errors(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        data = validate(OrderSubmitInputSerializer, request.data)
        result = services.order_submit(
            order=order, allow_partial=data["allow_partial"], user=request.user
        )
        cuts = [
            {
                "line": c.index,
                "line_id": c.line_id,
                "product": c.product_id,
                "requested": c.requested,
                "reserved": c.reserved,
                "cut": c.cut,
            }
            for c in result.cuts
        ]
        return Response({"order": _detail(result.order), "cuts": cuts})


class StoreOrderCancelView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_cancel",
        summary="Cancel a draft, submitted or confirmed order (releases reserved stock)",
        parameters=[IDEMPOTENCY],
        request=OrderCancelInputSerializer,
        responses={200: OrderDetailOutputSerializer, **_errors(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        data = validate(OrderCancelInputSerializer, request.data)
        order = services.order_cancel(order=order, user=request.user, note=data["note"])
        return Response(_detail(order))


class StoreOrderReceiveView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="store_orders_receive",
        summary="Confirm a delivery; short or damaged lines are recorded as discrepancies",
        parameters=[IDEMPOTENCY],
        request=OrderReceiveInputSerializer,
        responses={200: OrderDetailOutputSerializer, **_errors(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        order = selectors.order_get_for_store(store=store, order_id=order_id)
        data = validate(OrderReceiveInputSerializer, request.data)
        receipts = [
            ReceiptSpec(x["product"], x["quantity_received"], x["quantity_damaged"], x["note"])
            for x in data["lines"]
        ]
        order = services.order_receive(order=order, receipts=receipts, user=request.user)
        return Response(_detail(order))
