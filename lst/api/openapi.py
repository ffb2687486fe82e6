"""Shared pieces of the OpenAPI description: the one error shape and the error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

_DESCRIPTIONS = {
    400: "Validation failed (`validation_error`, `parse_error`); `fields` says where.",
    401: "Missing, invalid or expired credentials (`not_authenticated`, `authentication_failed`).",
    403: "A role limit inside your own store (`owner_only`).",
    404: (
        "Not found, or not yours (`not_found`): the two look the same on purpose. On a list: "
        "a page number past the end."
    ),
    409: "A conflict with the current state (e.g. `insufficient_stock`).",
    413: "The request is too large (`payload_too_large`, `batch_too_large`).",
    415: "The body is not in a media type this operation reads (`unsupported_media_type`).",
    422: "This Idempotency-Key was used for a different request (`idempotency_key_reused`).",
    429: "Too many requests (`throttled`); retry after the `Retry-After` seconds.",
    503: "A service the request needs is down (e.g. `sms_unavailable`); retry after `Retry-After`.",
}


class ApiErrorSerializer(serializers.Serializer):
    """Every error of the API has this shape."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable, translated to the request language.")
    fields = serializers.DictField(  # type: ignore[assignment]  # a field, popped by the metaclass
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


def document_unsupported_media_type(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: any operation that reads a request body answers 415
    to a body of another media type (DRF's parser negotiation), so each one documents it."""
    error = {
        "description": _DESCRIPTIONS[415],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("415", error)
    return result


class StrictJWTScheme(SimpleJWTScheme):
    """The Bearer scheme of lst.api.tokens.JWTAuthentication (simplejwt's, its user query
    compiled once), described as simplejwt's."""

    target_class = "lst.api.tokens.JWTAuthentication"
