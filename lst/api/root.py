"""`GET /api/v1/`: where an app developer starts (the address `make run` prints)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response


@extend_schema(
    operation_id="api_root",
    summary="The API's version and where its schema and documentation are",
    responses=inline_serializer(
        "ApiRoot",
        {
            "name": serializers.CharField(),
            "version": serializers.CharField(),
            "schema": serializers.URLField(),
            "docs": serializers.URLField(),
            "login": serializers.URLField(),
        },
    ),
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    return Response(
        {
            "name": "LST API",
            "version": "v1",
            "schema": request.build_absolute_uri("/api/schema/"),
            "docs": request.build_absolute_uri("/api/docs/"),
            "login": request.build_absolute_uri("/api/v1/auth/token/"),
        }
    )
