"""Shopper sign-up (phone + password), one-time login codes, delivery addresses."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.auth import PublicEndpointAuthentication
from lst.api.openapi import error_responses
from lst.throttling import ScopedRateThrottle
from shoppers import services
from shoppers.selectors import addresses_for

from .base import (
    LoginPhoneThrottle,
    OtpPhoneThrottle,
    ShopperTokensSerializer,
    ShopperView,
    tokens_body,
)
from .serializers import ShopperAddressSerializer

ADDRESS_ID = OpenApiParameter("address_id", int, OpenApiParameter.PATH)


class ShopperSignupInputSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="Mobile number; your login name.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=100, required=False, default="")


class SignupView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="shopper_signup",
        tags=["shoppers"],
        request=ShopperSignupInputSerializer,
        responses={201: ShopperTokensSerializer, **error_responses(400, 429)},
        auth=[],
        description=(
            "Create a shopper account and log in. Later logins: `auth/token/` with the phone as "
            "`login`, or a one-time code. 400 `phone_taken` when the number has an account."
        ),
    )
    def post(self, request: Request) -> Response:
        data = ShopperSignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.shopper_signup(**data.validated_data)
        body = tokens_body(user, created=True)
        return Response(ShopperTokensSerializer(body).data, status=status.HTTP_201_CREATED)


class OtpRequestInputSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)


class OtpRequestOutputSerializer(serializers.Serializer):
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


class OtpRequestView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle, OtpPhoneThrottle]
    throttle_scope = "otp"

    @extend_schema(
        operation_id="shopper_otp_request",
        tags=["shoppers"],
        request=OtpRequestInputSerializer,
        responses={202: OtpRequestOutputSerializer, **error_responses(400, 429, 503)},
        auth=[],
        description=(
            "Send a 6-digit login code to the phone by text message (in development it is "
            "written to the server log). The same answer whether or not the number has an "
            "account. Mobile numbers of the configured regions only (PHONE_REGIONS, default "
            "CN), in any layout: they are stored in E.164. Throttled per client address and per number (scope `otp`). 503 "
            "`sms_unavailable` (with Retry-After) when the text could not be sent: offer the "
            "password login instead."
        ),
    )
    def post(self, request: Request) -> Response:
        data = OtpRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.otp_request(phone=data.validated_data["phone"])
        body = {"expires_in": settings.SHOPPER_OTP_TTL_SECONDS}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class OtpVerifyInputSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    code = serializers.RegexField(r"^\d{6}$", help_text="The 6 digits received.")


class OtpVerifyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle, LoginPhoneThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="shopper_otp_verify",
        tags=["shoppers"],
        request=OtpVerifyInputSerializer,
        responses={200: ShopperTokensSerializer, **error_responses(400, 429)},
        auth=[],
        description=(
            "Log in with the code: JWT pair like `auth/token/`. A number without an account "
            "gets a new shopper account (`created: true`). 400 `invalid_code` for a wrong, "
            "expired or used code; after 5 wrong guesses the code is dead. Accounts with a "
            "store, warehouse or staff role never log in by code (they get no code, and a "
            "code is refused as invalid): they use the password login."
        ),
    )
    def post(self, request: Request) -> Response:
        data = OtpVerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, created = services.otp_verify(**data.validated_data)
        body = tokens_body(user, created=created, by_code=True)
        return Response(ShopperTokensSerializer(body).data)


class ShopperAddressInputSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not the label attribute
        max_length=50, required=False, allow_blank=True
    )
    recipient = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )


class AddressListView(ShopperView):
    @extend_schema(
        operation_id="shopper_addresses_list",
        tags=["shoppers"],
        responses={200: ShopperAddressSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(
            request, addresses_for(shopper=request.user), ShopperAddressSerializer
        )

    @extend_schema(
        operation_id="shopper_addresses_create",
        tags=["shoppers"],
        request=ShopperAddressInputSerializer,
        responses={201: ShopperAddressSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = ShopperAddressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = services.address_create(shopper=request.user, data=data.validated_data)
        return Response(ShopperAddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(ShopperView):
    @extend_schema(
        operation_id="shopper_addresses_retrieve",
        tags=["shoppers"],
        parameters=[ADDRESS_ID],
        responses={200: ShopperAddressSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, address_id: int) -> Response:
        address = services.address_get(shopper=request.user, address_id=address_id)
        return Response(ShopperAddressSerializer(address).data)

    @extend_schema(
        operation_id="shopper_addresses_partial_update",
        tags=["shoppers"],
        parameters=[ADDRESS_ID],
        request=ShopperAddressInputSerializer(partial=True),
        responses={200: ShopperAddressSerializer, **error_responses(400, 401, 403, 404)},
        description="Orders already placed keep the address they were placed with.",
    )
    def patch(self, request: Request, address_id: int) -> Response:
        address = services.address_get(shopper=request.user, address_id=address_id)
        data = ShopperAddressInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        address = services.address_update(address=address, data=data.validated_data)
        return Response(ShopperAddressSerializer(address).data)

    @extend_schema(
        operation_id="shopper_addresses_destroy",
        tags=["shoppers"],
        parameters=[ADDRESS_ID],
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, address_id: int) -> Response:
        address = services.address_get(shopper=request.user, address_id=address_id)
        services.address_delete(address=address)
        return Response(status=status.HTTP_204_NO_CONTENT)
