"""Catalog endpoints: browse and search active products, look one up by its barcode."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Category, Product
from catalog.selectors import categories_list, product_get, product_get_by_barcode, products_list
from lst.api.lists import ListAPIView
from lst.api.openapi import error_responses
from lst.api.params import query_params


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_en", "parent_id"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_en"]


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "barcode",
            "name",
            "name_en",
            "brand",
            "category",
            "case_pack",
            "unit_cost",
            "retail_price",
            "shelf_life_days",
            "width_cm",
            "height_cm",
            "depth_cm",
            "requires_chilling",
        ]


class ProductQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=100, help_text="Name, Latin name, brand, SKU or barcode."
    )
    category = serializers.IntegerField(
        required=False, min_value=1, help_text="Category id; includes its subcategories."
    )
    brand = serializers.CharField(
        required=False, max_length=100, help_text="Exact brand, any case."
    )


class CategoryListView(ListAPIView):
    @extend_schema(
        operation_id="categories_list",
        tags=["catalog"],
        responses={200: CategorySerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(request, categories_list(), CategorySerializer)


class ProductListView(ListAPIView):
    @extend_schema(
        operation_id="products_list",
        tags=["catalog"],
        parameters=[ProductQuerySerializer],
        responses={200: ProductSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        params = query_params(ProductQuerySerializer, request)
        products = products_list(
            q=params.get("q", ""),
            category_id=params.get("category"),
            brand=params.get("brand", ""),
        )
        return self.paginated(request, products, ProductSerializer)


class ProductDetailView(APIView):
    @extend_schema(
        operation_id="products_retrieve",
        tags=["catalog"],
        responses={200: ProductSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, product_id: int) -> Response:
        return Response(ProductSerializer(product_get(product_id=product_id)).data)


class ProductByBarcodeView(APIView):
    @extend_schema(
        operation_id="products_by_barcode",
        tags=["catalog"],
        parameters=[
            OpenApiParameter("ean", str, OpenApiParameter.PATH, description="EAN-13, 13 digits.")
        ],
        responses={200: ProductSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, ean: str, **kwargs: Any) -> Response:
        return Response(ProductSerializer(product_get_by_barcode(barcode=ean)).data)
