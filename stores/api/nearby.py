"""Public, throttled: which nearby stores have a product (availability level, not counts)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import product_get, product_get_by_barcode
from lst.api.auth import PublicEndpointAuthentication
from lst.api.openapi import error_responses
from lst.api.params import query_params
from lst.throttling import ScopedRateThrottle
from stores.nearby import nearby_availability


class NearbyQuerySerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1, help_text="Product id.")
    barcode = serializers.CharField(
        required=False, max_length=13, help_text="EAN-13, instead of `product`."
    )
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude, WGS-84.")
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude, WGS-84.")
    radius_km = serializers.FloatField(
        required=False,
        min_value=0.1,
        help_text="Search radius in km: default NEARBY_DEFAULT_RADIUS_KM (3), at most "
        "NEARBY_MAX_RADIUS_KM (20).",
    )

    def validate_radius_km(self, value: float) -> float:
        limit = settings.NEARBY_MAX_RADIUS_KM
        if value > limit:
            raise serializers.ValidationError(_("At most %(km)d km.") % {"km": limit})
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("product" in attrs) == ("barcode" in attrs):
            raise serializers.ValidationError(
                {"product": [_("Give either a product id or a barcode.")]}
            )
        return attrs


class NearbyProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    brand = serializers.CharField()


class NearbyStoreSerializer(serializers.Serializer):
    store_id = serializers.IntegerField(source="store.id")
    name = serializers.CharField(source="store.name")
    address = serializers.CharField(source="store.address")
    city = serializers.CharField(source="store.city")
    district = serializers.CharField(source="store.district")
    latitude = serializers.DecimalField(source="store.latitude", max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(source="store.longitude", max_digits=9, decimal_places=6)
    opening_hours = serializers.JSONField(source="store.opening_hours")
    distance_m = serializers.IntegerField(help_text="Great-circle distance in metres.")
    availability = serializers.ChoiceField(
        choices=[("in_stock", "in_stock"), ("low", "low")],
        help_text="`in_stock`: NEARBY_IN_STOCK_MIN (5) or more; `low`: a few left.",
    )


class NearbyResultSerializer(serializers.Serializer):
    product = NearbyProductSerializer()
    radius_km = serializers.FloatField()
    results = NearbyStoreSerializer(many=True)


class NearbyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "nearby"

    @extend_schema(
        operation_id="nearby_availability",
        tags=["shoppers"],
        parameters=[NearbyQuerySerializer],
        responses={200: NearbyResultSerializer, **error_responses(400, 404, 429)},
        auth=[],
        description=(
            "Public. The nearest active stores (at most 20) within the radius that have the "
            "product, nearest first, with an availability level instead of a count. Throttled "
            "per client address (scope `nearby`)."
        ),
    )
    def get(self, request: Request) -> Response:
        params = query_params(NearbyQuerySerializer, request)
        if "barcode" in params:
            product = product_get_by_barcode(barcode=params["barcode"])
        else:
            product = product_get(product_id=params["product"])
        radius = params.get("radius_km", float(settings.NEARBY_DEFAULT_RADIUS_KM))
        found = nearby_availability(
            product=product, latitude=params["lat"], longitude=params["lon"], radius_km=radius
        )
        body = {"product": product, "radius_km": radius, "results": found}
        return Response(NearbyResultSerializer(body).data)
