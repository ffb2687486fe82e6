"""Who am I, my store's profile and its fixtures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.idempotency import idempotent
from lst.api.lists import ListAPIView
from lst.api.openapi import IDEMPOTENCY_KEY, STORE_ID, error_responses
from stores.models import Fixture, Store, StoreMembership
from stores.opening_hours import in_week_order
from stores.selectors import (
    fixture_get,
    fixtures_for_store,
    membership_get,
    memberships_for_user,
    store_get_for_user,
)
from stores.services import (
    MAX_DELIVERY_RADIUS_KM,
    fixture_create,
    fixture_delete,
    fixture_update,
    store_profile_update,
)

FIXTURE_ID = OpenApiParameter("fixture_id", int, OpenApiParameter.PATH)


class OpeningHoursField(serializers.JSONField):
    """Opening hours in answers: Monday to Sunday, whatever order the database keeps."""

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(in_week_order(value))


class MembershipSerializer(serializers.ModelSerializer):
    store_id = serializers.IntegerField(source="store.id")
    store_code = serializers.CharField(source="store.code")
    store_name = serializers.CharField(source="store.name")
    store_status = serializers.CharField(source="store.status")

    class Meta:
        model = StoreMembership
        fields = ["store_id", "store_code", "store_name", "store_status", "role"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    phone = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField(help_text="Email address; empty when none is on file.")
    is_staff = serializers.BooleanField()
    stores = MembershipSerializer(many=True)


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        tags=["auth"],
        responses={200: MeSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        user: Any = request.user
        body = {
            "id": user.pk,
            "username": user.username,
            "phone": user.phone,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_staff": user.is_staff,
            "stores": memberships_for_user(user=user),
        }
        return Response(MeSerializer(body).data)


class StoreProfileSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in this store.")
    warehouse_id = serializers.IntegerField(allow_null=True)

    opening_hours = OpeningHoursField(read_only=True)

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "address",
            "city",
            "district",
            "latitude",
            "longitude",
            "neighbourhood",
            "floor_area_m2",
            "opening_hours",
            "timezone",
            "status",
            "warehouse_id",
            "accepts_online_orders",
            "delivery_radius_km",
            "delivery_fee",
            "min_basket_value",
            "role",
        ]

    def get_role(self, store: Store) -> str:
        return str(self.context["role"])


class StoreProfileUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    opening_hours = serializers.JSONField(
        required=False,
        help_text='Per weekday, e.g. {"mon": ["07:00-23:00"], "sun": ["08:00-12:00", "14:00-22:00"]}; a missing day is closed.',
    )
    accepts_online_orders = serializers.BooleanField(
        required=False, help_text="Take shopper orders (delivery and pick-up)."
    )
    delivery_radius_km = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_DELIVERY_RADIUS_KM,
        required=False,
        help_text="Deliver within this great-circle distance; 0 = pick-up only.",
    )
    delivery_fee = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False
    )
    min_basket_value = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Smallest subtotal delivered; pick-up has no minimum.",
    )


class StoreProfileView(APIView):
    @extend_schema(
        operation_id="stores_retrieve",
        tags=["stores"],
        parameters=[STORE_ID],
        responses={200: StoreProfileSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        membership = membership_get(user=request.user, store_id=store_id)
        body = StoreProfileSerializer(membership.store, context={"role": membership.role}).data
        return Response(body)

    @extend_schema(
        operation_id="stores_partial_update",
        tags=["stores"],
        parameters=[STORE_ID],
        request=StoreProfileUpdateSerializer,
        responses={200: StoreProfileSerializer, **error_responses(400, 401, 403, 404)},
        description="Owner only. Address and coordinates change only through the field team.",
    )
    def patch(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        data = StoreProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        read_only = set(request.data) - set(StoreProfileUpdateSerializer().fields)
        payload = dict(data.validated_data) | {f: request.data[f] for f in read_only}
        store = store_profile_update(store=store, data=payload)
        body = StoreProfileSerializer(store, context={"role": StoreMembership.Role.OWNER}).data
        return Response(body)


class FixtureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fixture
        fields = ["id", "name", "kind", "width_cm", "depth_cm", "levels", "eye_level"]


class FixtureInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Fixture.Kind.choices, default=Fixture.Kind.SHELF)
    width_cm = serializers.IntegerField(min_value=1, max_value=10000)
    depth_cm = serializers.IntegerField(min_value=1, max_value=1000, default=40)
    levels = serializers.IntegerField(min_value=1, max_value=30, default=5)
    eye_level = serializers.IntegerField(min_value=1, max_value=30, default=3)


class FixtureListView(ListAPIView):
    @extend_schema(
        operation_id="stores_fixtures_list",
        tags=["stores"],
        parameters=[STORE_ID],
        responses={200: FixtureSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        return self.paginated(request, fixtures_for_store(store=store), FixtureSerializer)

    @extend_schema(
        operation_id="stores_fixtures_create",
        tags=["stores"],
        parameters=[STORE_ID, IDEMPOTENCY_KEY],
        request=FixtureInputSerializer,
        responses={201: FixtureSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        description="Owner only.",
    )
    @idempotent
    def post(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        data = FixtureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fixture = fixture_create(store=store, data=data.validated_data)
        return Response(FixtureSerializer(fixture).data, status=status.HTTP_201_CREATED)


class FixtureDetailView(APIView):
    @extend_schema(
        operation_id="stores_fixtures_retrieve",
        tags=["stores"],
        parameters=[STORE_ID, FIXTURE_ID],
        responses={200: FixtureSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, store_id: int, fixture_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        return Response(FixtureSerializer(fixture_get(store=store, fixture_id=fixture_id)).data)

    @extend_schema(
        operation_id="stores_fixtures_partial_update",
        tags=["stores"],
        parameters=[STORE_ID, FIXTURE_ID],
        request=FixtureInputSerializer(partial=True),
        responses={200: FixtureSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="Owner only.",
    )
    def patch(self, request: Request, store_id: int, fixture_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        fixture = fixture_get(store=store, fixture_id=fixture_id)
        data = FixtureInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fixture = fixture_update(fixture=fixture, data=data.validated_data)
        return Response(FixtureSerializer(fixture).data)

    @extend_schema(
        operation_id="stores_fixtures_destroy",
        tags=["stores"],
        parameters=[STORE_ID, FIXTURE_ID],
        responses={204: None, **error_responses(401, 403, 404)},
        description="Owner only. Shelf plans drawn for the fixture are deleted with it.",
    )
    def delete(self, request: Request, store_id: int, fixture_id: int, **kwargs: Any) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        fixture_delete(fixture=fixture_get(store=store, fixture_id=fixture_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
