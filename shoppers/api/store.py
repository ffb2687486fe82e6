"""The store's side: incoming shopper orders and their handling, for owners and clerks of the
store (another store's order is 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.fields import BoundedDateTimeField
from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from lst.api.params import query_params
from shoppers import services
from shoppers.models import ShopperOrder
from shoppers.selectors import order_get_for_store, orders_for_store
from stores.selectors import store_get_for_user

from .serializers import (
    StoreShopperOrderDetailSerializer,
    StoreShopperOrderSerializer,
    shortage_context,
)

ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH)


class StoreShopperOrderQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShopperOrder.Status.choices, required=False)
    conflict = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only open orders whose reserved units were eaten by sales.",
    )


class StoreOrderListView(ListAPIView):
    @extend_schema(
        operation_id="stores_shopper_orders_list",
        tags=["shopper orders"],
        parameters=[STORE_ID, StoreShopperOrderQuerySerializer],
        responses={
            200: StoreShopperOrderSerializer(many=True),
            **error_responses(400, 401, 404),
        },
        description="Incoming shopper orders, newest first. Owners and clerks.",
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = query_params(StoreShopperOrderQuerySerializer, request)
        orders = orders_for_store(
            store=store, status=params.get("status"), conflict=params.get("conflict")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(orders, request, view=self) or []
        context = shortage_context(store, page)
        data = StoreShopperOrderSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)


def _detail(store: Any, order_id: int) -> dict[str, Any]:
    order = order_get_for_store(store=store, order_id=order_id)
    serializer = StoreShopperOrderDetailSerializer(order, context=shortage_context(store, [order]))
    return serializer.data  # type: ignore[return-value]


class StoreOrderDetailView(APIView):
    @extend_schema(
        operation_id="stores_shopper_orders_retrieve",
        tags=["shopper orders"],
        parameters=[STORE_ID, ORDER_ID],
        responses={200: StoreShopperOrderDetailSerializer, **error_responses(401, 404)},
        description="One order with its lines, stock conflict and event trail.",
    )
    def get(self, request: Request, store_id: int, order_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        return Response(_detail(store, order_id))


class ShopperOrderAcceptInputSerializer(serializers.Serializer):
    estimated_at = BoundedDateTimeField(
        help_text="When it will be ready (pick-up) or delivered (delivery)."
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ShopperOrderDeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Shown to the shopper.")


class ShopperOrderEmptyInputSerializer(serializers.Serializer):
    pass


def _transition_view(
    *,
    name: str,
    call: Callable[[ShopperOrder, Any, dict[str, Any]], Any],
    input_serializer: type[serializers.Serializer],
    description: str,
) -> type[APIView]:
    class TransitionView(APIView):
        @extend_schema(
            operation_id=f"stores_shopper_orders_{name}",
            tags=["shopper orders"],
            parameters=[STORE_ID, ORDER_ID, IDEMPOTENCY_KEY],
            request=input_serializer,
            responses={
                200: StoreShopperOrderDetailSerializer,
                **error_responses(400, 401, 404, 409, 422),
            },
            description=description,
        )
        @idempotent
        def post(self, request: Request, store_id: int, order_id: int) -> Response:
            store = store_get_for_user(user=request.user, store_id=store_id)
            order = order_get_for_store(store=store, order_id=order_id)
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            call(order, request.user, dict(data.validated_data))
            return Response(_detail(store, order_id))

    TransitionView.__name__ = f"StoreOrder{name.title().replace('_', '')}View"
    TransitionView.__qualname__ = TransitionView.__name__
    return TransitionView


AcceptView = _transition_view(
    name="accept",
    call=lambda o, u, d: services.order_accept(order=o, user=u, **d),
    input_serializer=ShopperOrderAcceptInputSerializer,
    description=(
        "Take a placed order, with an estimated ready (pick-up) or delivery time. 409 "
        "`order_expired` past its acceptance deadline, `illegal_transition` otherwise."
    ),
)
DeclineView = _transition_view(
    name="decline",
    call=lambda o, u, d: services.order_decline(order=o, user=u, **d),
    input_serializer=ShopperOrderDeclineInputSerializer,
    description="Refuse a placed, accepted or ready order, with a reason; stock is released.",
)
ReadyView = _transition_view(
    name="ready",
    call=lambda o, u, d: services.order_mark_ready(order=o, user=u),
    input_serializer=ShopperOrderEmptyInputSerializer,
    description="The order is packed: ready for pick-up or for the courier.",
)
OutForDeliveryView = _transition_view(
    name="out_for_delivery",
    call=lambda o, u, d: services.order_mark_out_for_delivery(order=o, user=u),
    input_serializer=ShopperOrderEmptyInputSerializer,
    description="A ready delivery order left the store. 409 `wrong_fulfilment` for pick-up.",
)
DeliveredView = _transition_view(
    name="delivered",
    call=lambda o, u, d: services.order_mark_delivered(order=o, user=u),
    input_serializer=ShopperOrderEmptyInputSerializer,
    description=(
        "Handed over at the door: the sale is written to the stock ledger and the daily sales "
        "(store-local date) like a till receipt, and the reservation released."
    ),
)
PickedUpView = _transition_view(
    name="picked_up",
    call=lambda o, u, d: services.order_mark_picked_up(order=o, user=u),
    input_serializer=ShopperOrderEmptyInputSerializer,
    description=(
        "Collected in the store: recorded as a sale like a till receipt. 409 "
        "`wrong_fulfilment` for a delivery order."
    ),
)
