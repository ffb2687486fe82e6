"""A base for views that return a paginated list (and may also accept other methods)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.pagination import StandardPagination


class ListAPIView(APIView):
    """`pagination_class` is what drf-spectacular reads to describe the page envelope and the
    `page` / `page_size` parameters; `paginated` renders one page of a queryset."""

    pagination_class = StandardPagination

    def paginated(
        self,
        request: Request,
        queryset: QuerySet[Any],
        serializer_class: type[serializers.BaseSerializer],
        context: dict[str, Any] | None = None,
    ) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = serializer_class(page, many=True, context=context or {}).data
        return paginator.get_paginated_response(data)
