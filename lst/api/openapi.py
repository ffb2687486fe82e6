"""Shared pieces of the OpenAPI description: the one error shape and the error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

_DESCRIPTIONS = {
    400: "Validation failed (`validation_error`, `parse_error`); `fields` says where.",
    401: "Missing, invalid or expired credentials (`not_authenticated`, `authentication_failed`).",
    403: "A role limit inside your own store (`owner_only`).",
    404: "Not found, or not yours (`not_found`): the two look the same on purpose.",
    409: "A conflict with the current state (e.g. `insufficient_stock`).",
    413: "The request is too large (`payload_too_large`, `batch_too_large`).",
    422: "This Idempotency-Key was used for a different request (`idempotency_key_reused`).",
    429: "Too many requests (`throttled`); retry after the `Retry-After` seconds.",
}


class ApiErrorSerializer(serializers.Serializer):
    """Every error of the API has this shape."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable, translated to the request language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages; keys like `receipts[3].lines[1].product` for nested input.",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {s: OpenApiResponse(ApiErrorSerializer, description=_DESCRIPTIONS[s]) for s in statuses}


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        "Any unique string (a UUID) per logical request. A retry with the same key and body "
        "replays the first answer (header `Idempotent-Replayed: true`) with no second effect; "
        "the same key with another body is refused with 422."
    ),
)

STORE_ID = OpenApiParameter(
    name="store_id", location=OpenApiParameter.PATH, type=int, description="The store's id."
)
