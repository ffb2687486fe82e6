"""Pieces shared by the shopper views: the shopper door, JWT bodies, throttles."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import update_last_login
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from lst.api.auth import AMR_CLAIM, CODE_LOGIN_METHOD
from lst.api.lists import ListAPIView
from lst.phones import phone_e164
from lst.throttling import AtomicRateThrottle
from shoppers.selectors import shopper_profile_get


class ShopperView(ListAPIView):
    """Signed-in shoppers only: a user without a shopper profile gets 403 `not_a_shopper`."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        shopper_profile_get(user=request.user)


class PhoneThrottle(AtomicRateThrottle):
    """Counts requests per phone number (whatever address they come from), in its E.164 form:
    the same number typed another way is the same bucket."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        phone = request.data.get("phone") if hasattr(request.data, "get") else None
        if not isinstance(phone, str) or not phone.strip():
            return None
        ident = phone_e164(phone) or phone.strip()
        digest = hashlib.sha256(ident.encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}-phone", "ident": digest}


class OtpPhoneThrottle(PhoneThrottle):
    def __init__(self) -> None:
        super().__init__("otp")


class LoginPhoneThrottle(PhoneThrottle):
    def __init__(self) -> None:
        super().__init__("login")


class ShopperTokensSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Exchange at /api/v1/auth/token/refresh/.")
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    user_id = serializers.IntegerField()
    phone = serializers.CharField()
    created = serializers.BooleanField(help_text="True when this call created the account.")


def tokens_body(user: Any, *, created: bool, by_code: bool = False) -> dict[str, Any]:
    """The same token pair as `auth/token/`, plus who it is for. `by_code`: the session was
    opened with a one-time code, which the tokens say (`amr`), so a refresh can refuse them
    if the account later gains a store or staff role."""
    refresh = RefreshToken.for_user(user)
    if by_code:
        refresh[AMR_CLAIM] = [CODE_LOGIN_METHOD]
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)  # type: ignore[arg-type]  # the sender is unused
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "access_expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        "user_id": user.pk,
        "phone": user.phone,
        "created": created,
    }
