"""Query-string parameters validated by a serializer, so bad filters answer 400 in the one shape."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def query_params(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
