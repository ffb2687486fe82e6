"""The warehouse system's side: the queue of orders, its transitions, a bulk status update.

The caller must be a warehouse service account (403 `warehouse_only` otherwise) and only sees
its own warehouse's orders, drafts excluded (404 for anything else).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import ApiErrorSerializer
from lst.api.pagination import StandardPagination
from replenishment import selectors, services
from replenishment.models import ReplenishmentOrder
from replenishment.services import BulkItem

from .owner import IDEMPOTENCY
from .serializers import (
    OrderBulkResultOutputSerializer,
    OrderBulkStatusInputSerializer,
    OrderDetailOutputSerializer,
    OrderListFilterSerializer,
    OrderListOutputSerializer,
    OrderRejectInputSerializer,
    validate,
)

TAG = ["orders (warehouse)"]


def _errors(*codes: int) -> dict[int, Any]:
    """The documented errors: 401 for every operation (they all need a token), plus `codes`."""
    described = {
        400: "validation_error",
        401: "not_authenticated / authentication_failed: no valid access token",
        403: "warehouse_only: not a warehouse service account",
        404: "not_found: no such order in this warehouse (on the list: a page past the end)",
        409: "illegal_transition (or bulk_failed: fields name every failing item)",
        422: "idempotency_key_reused with another body",
    }
    return {
        c: OpenApiResponse(ApiErrorSerializer, description=described[c])
        for c in sorted({401, *codes})
    }


def _detail(warehouse: Any, order: ReplenishmentOrder) -> dict[str, Any]:
    fresh = selectors.order_get_for_warehouse(warehouse=warehouse, order_id=order.pk)
    return OrderDetailOutputSerializer(fresh).data  # type: ignore[return-value]


class WarehouseOrderListView(ListAPIView):
    @extend_schema(
        tags=TAG,
        operation_id="warehouse_orders_list",
        summary="Orders to work, oldest submission first",
        parameters=[OrderListFilterSerializer],
        responses={200: OrderListOutputSerializer(many=True), **_errors(400, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        warehouse = selectors.warehouse_for_user(user=request.user)
        params = validate(OrderListFilterSerializer, request.query_params)
        qs = selectors.orders_for_warehouse(warehouse=warehouse, status=params.get("status"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OrderListOutputSerializer(page, many=True).data)


class WarehouseOrderDetailView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="warehouse_orders_retrieve",
        summary="An order with lines (incl. delivery discrepancies) and events",
        responses={200: OrderDetailOutputSerializer, **_errors(403, 404)},
    )
    def get(self, request: Request, order_id: int) -> Response:
        warehouse = selectors.warehouse_for_user(user=request.user)
        order = selectors.order_get_for_warehouse(warehouse=warehouse, order_id=order_id)
        return Response(OrderDetailOutputSerializer(order).data)


Transition = Callable[..., ReplenishmentOrder]


class _WarehouseTransitionView(APIView):
    transition: Transition

    def _run(self, request: Request, order_id: int, **kwargs: Any) -> Response:
        warehouse = selectors.warehouse_for_user(user=request.user)
        order = selectors.order_get_for_warehouse(warehouse=warehouse, order_id=order_id)
        order = type(self).transition(order=order, user=request.user, **kwargs)
        return Response(_detail(warehouse, order))


def _transition_view(name: str, fn: Transition, summary: str) -> type[APIView]:
    class View(_WarehouseTransitionView):
        transition = staticmethod(fn)  # type: ignore[assignment]

        @extend_schema(
            tags=TAG,
            operation_id=f"warehouse_orders_{name}",
            summary=summary,
            request=None,
            responses={200: OrderDetailOutputSerializer, **_errors(403, 404, 409)},
        )
        def post(self, request: Request, order_id: int) -> Response:
            return self._run(request, order_id)

    View.__name__ = View.__qualname__ = f"WarehouseOrder{name.title()}View"
    return View


WarehouseOrderConfirmView = _transition_view(
    "confirm", services.order_confirm, "Accept a submitted order"
)
WarehouseOrderPickView = _transition_view(
    "pick", services.order_start_picking, "Start picking a confirmed order"
)
WarehouseOrderShipView = _transition_view(
    "ship", services.order_ship, "Ship: on hand and reserved stock drop by the reserved units"
)
WarehouseOrderDeliverView = _transition_view(
    "deliver", services.order_deliver, "Mark a shipped order delivered at the store"
)


class WarehouseOrderRejectView(_WarehouseTransitionView):
    transition = staticmethod(services.order_reject)  # type: ignore[assignment]

    @extend_schema(
        tags=TAG,
        operation_id="warehouse_orders_reject",
        summary="Reject a submitted, confirmed or picking order (releases reserved stock)",
        request=OrderRejectInputSerializer,
        responses={200: OrderDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = validate(OrderRejectInputSerializer, request.data)
        return self._run(request, order_id, reason=data["reason"])


class WarehouseOrderBulkStatusView(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="warehouse_orders_bulk_status",
        summary="Many transitions in one call, all or nothing",
        parameters=[IDEMPOTENCY],
        request=OrderBulkStatusInputSerializer,
        responses={200: OrderBulkResultOutputSerializer(many=True), **_errors(400, 403, 409, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        warehouse = selectors.warehouse_for_user(user=request.user)
        data = validate(OrderBulkStatusInputSerializer, request.data)
        items = [BulkItem(x["order"], x["action"], x["reason"]) for x in data["items"]]
        orders = services.orders_bulk_transition(
            warehouse=warehouse, items=items, user=request.user
        )
        body = [{"id": o.pk, "status": o.status} for o in orders]
        return Response(OrderBulkResultOutputSerializer(body, many=True).data)
