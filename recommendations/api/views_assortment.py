"""Assortment suggestions of a store: list (owners and clerks), accept and dismiss (owner)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from lst.api.params import query_params
from stores.selectors import store_get_for_user

from ..services import assortment
from .serializers_assortment import (
    AssortmentAcceptInputSerializer,
    AssortmentAcceptSerializer,
    AssortmentDismissInputSerializer,
    AssortmentQuerySerializer,
    AssortmentSuggestionSerializer,
)

SUGGESTION_ID = OpenApiParameter(
    "suggestion_id", int, OpenApiParameter.PATH, description="The suggestion's id."
)


class AssortmentListView(ListAPIView):
    @extend_schema(
        operation_id="stores_assortment_list",
        tags=["assortment"],
        parameters=[STORE_ID, AssortmentQuerySerializer],
        responses={
            200: AssortmentSuggestionSerializer(many=True),
            **error_responses(400, 401, 404),
        },
        description=(
            "Products to start carrying (`add`: sold by stores like yours, available from your "
            "warehouse) and to stop carrying (`drop`: carried, in stock, not selling), best "
            "first, each with its numbers and a reason in the request language. Owners and "
            "clerks."
        ),
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = query_params(AssortmentQuerySerializer, request)
        rows = assortment.suggestions_for_store(
            store=store, action=params.get("action"), status=params.get("status")
        )
        return self.paginated(request, rows, AssortmentSuggestionSerializer)


class AssortmentAcceptView(APIView):
    @extend_schema(
        operation_id="stores_assortment_accept",
        tags=["assortment"],
        parameters=[STORE_ID, SUGGESTION_ID, IDEMPOTENCY_KEY],
        request=AssortmentAcceptInputSerializer,
        responses={
            200: AssortmentAcceptSerializer,
            **error_responses(400, 401, 403, 404, 409, 422),
        },
        description=(
            "Accept a suggestion. `add`: the product joins the store's range (stock row with 0 "
            "on hand) and one case pack (or `cases`) goes on the latest draft order, or a new "
            "draft. `drop`: recorded. 409 `suggestion_answered` when already answered, "
            "`not_available` when the warehouse has run out. Owner only."
        ),
    )
    @idempotent
    def post(self, request: Request, store_id: int, suggestion_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        data = AssortmentAcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = assortment.assortment_accept(
            store=store,
            suggestion_id=suggestion_id,
            user=request.user,
            cases=data.validated_data["cases"],
        )
        body = {
            "suggestion": result.suggestion,
            "order_id": result.order.pk if result.order else None,
            "quantity": result.quantity,
            "stock_level_created": result.stock_level_created,
        }
        return Response(AssortmentAcceptSerializer(body).data, status=status.HTTP_200_OK)


class AssortmentDismissView(APIView):
    @extend_schema(
        operation_id="stores_assortment_dismiss",
        tags=["assortment"],
        parameters=[STORE_ID, SUGGESTION_ID],
        request=AssortmentDismissInputSerializer,
        responses={
            200: AssortmentSuggestionSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
        description="Dismiss a suggestion (with an optional reason); not suggested again. Owner only.",
    )
    def post(self, request: Request, store_id: int, suggestion_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        data = AssortmentDismissInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = assortment.assortment_dismiss(
            store=store,
            suggestion_id=suggestion_id,
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(AssortmentSuggestionSerializer(suggestion).data)
