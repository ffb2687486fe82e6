"""Login for the apps: JWT access + refresh tokens (simplejwt), by username or phone number.

Staff keep using the admin with sessions. Login is throttled twice: per client address (scope
`login`) and per login name, so one account cannot be guessed at from many addresses.

A shopper's one-time text code is a weaker proof than a password: it never logs into an account
with a store, warehouse or staff role (`user_has_business_role`). Tokens it yields carry
`amr: ["otp"]`, and such a refresh token stops being exchanged once its account gains a role.

Refresh tokens rotate atomically: the spent token is blacklisted by an insert that the database
lets succeed once (the blacklist's one-to-one key), so concurrent refreshes of one token give one
new session and 401 for the rest.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch
from rest_framework_simplejwt.views import TokenRefreshView

from lst.api.openapi import error_responses
from lst.api.tokens import RefreshToken, token_backend
from lst.phones import phone_e164, phone_stored_forms
from lst.throttling import AtomicRateThrottle, ScopedRateThrottle

#: The claim naming how a token's session was opened (RFC 8176 "amr"), and the code login's value.
AMR_CLAIM = "amr"
CODE_LOGIN_METHOD = "otp"


def user_has_business_role(user: Any) -> bool:
    """Does the account act for a business: staff or superuser (the admin), a member of a
    store (owner or clerk), a warehouse's service account, a territory's field agent?"""
    User = get_user_model()
    roles = (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(memberships__isnull=False)
        | Q(warehouse_account__isnull=False)
        | Q(territories__isnull=False)
    )
    return bool(User.objects.filter(pk=user.pk).filter(roles).exists())


class PublicEndpointAuthentication(BaseAuthentication):
    """For public endpoints: reads no credentials (a stale token must not break a login), but
    names the Bearer scheme so a refused login answers 401 with `WWW-Authenticate`, not 403."""

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class LoginNameThrottle(AtomicRateThrottle):
    """Counts attempts per login name (whatever address they come from), at the `login` rate.
    A phone number counts in its E.164 form, whatever digits or layout it is typed in."""

    scope = "login"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        login = request.data.get("login") if hasattr(request.data, "get") else None
        if not isinstance(login, str) or not login.strip():
            return None
        ident = phone_e164(login) or login.strip().lower()  # a number in any layout: one name
        digest = hashlib.sha256(ident.encode()).hexdigest()
        return self.cache_format % {"scope": "login-name", "ident": digest}


def user_authenticate(*, login: str, password: str) -> Any:
    """The active user whose username or phone is `login` and whose password matches, or None.

    A wrong name costs the same password hashing as a wrong password, so response times do not
    tell which accounts exist.
    """
    User = get_user_model()
    login = login.strip()
    match = Q(username=login) | (Q(phone=login) & ~Q(phone=""))
    phone = phone_e164(login)
    if phone is not None:  # the number in any layout, whatever form the account stored it in
        match |= Q(phone__in=phone_stored_forms(phone))
    user = User.objects.filter(match).order_by("pk").first()
    if user is None:
        User().set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


class LoginInputSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=150, help_text="Username or phone number.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Exchange at /api/v1/auth/token/refresh/.")
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle, LoginNameThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        request=LoginInputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_authenticate(**data.validated_data)
        if user is None:
            raise AuthenticationFailed(_("Wrong login or password."))
        refresh = RefreshToken.for_user(user)
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, user)  # type: ignore[arg-type]  # the signal's sender is unused
        lifetime = jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()
        body = {
            "access": str(refresh.access_token),
            "refresh": str(refresh),
            "access_expires_in": int(lifetime),
        }
        return Response(TokenPairSerializer(body).data)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="A new refresh token: refresh tokens rotate.")


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh with three differences: a token of a deleted account is refused (401)
    like one of a disabled account; a code-login token is refused once its account has a
    business role; and rotation is atomic (see the module docstring). Its tokens' claims are checked before
    use (lst/api/tokens.py)."""

    token_class = RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = RefreshToken(attrs["refresh"])  # signature, expiry, type, blacklist
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        try:
            user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        except (TypeError, ValueError):
            user = None
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(
                _("No active account found for the given token."), "no_active_account"
            )
        if CODE_LOGIN_METHOD in (refresh.payload.get(AMR_CLAIM) or ()) and user_has_business_role(
            user
        ):
            raise AuthenticationFailed(
                _("This account has a store or staff role: log in with the password.")
            )
        with transaction.atomic():
            spent, _created = OutstandingToken.objects.get_or_create(
                jti=refresh.payload[jwt_settings.JTI_CLAIM],
                defaults={
                    "user": user,
                    "created_at": refresh.current_time,
                    "token": str(refresh),
                    "expires_at": datetime_from_epoch(refresh.payload["exp"]),
                },
            )
            try:
                with transaction.atomic():
                    BlacklistedToken.objects.create(token=spent)
            except IntegrityError:  # a concurrent refresh of the same token won
                raise AuthenticationFailed(_("Token is blacklisted"), "token_not_valid") from None
            data = {"access": str(refresh.access_token)}
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
        return data


class RefreshView(TokenRefreshView):
    authentication_classes = [PublicEndpointAuthentication]  # type: ignore[assignment]
    serializer_class = RefreshSerializer  # type: ignore[assignment]

    @extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        request=RefreshInputSerializer,
        responses={200: RefreshOutputSerializer, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke.")


class LogoutView(APIView):
    """Revoke a refresh token (the app's "log out"): it can no longer be exchanged. The access
    token in hand stays valid until it expires (30 minutes by default); the app drops it."""

    permission_classes = [AllowAny]
    authentication_classes = [PublicEndpointAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        request=LogoutInputSerializer,
        responses={204: None, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = LogoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data["refresh"]
        try:
            RefreshToken(raw).blacklist()
        except TokenError as exc:
            # Logging out twice (a retried request) is not an error; a bad token is.
            if not _revoked(raw):
                raise AuthenticationFailed(_("Token is invalid or expired.")) from exc
        return Response(status=204)


def _revoked(raw: str) -> bool:
    """Is ``raw`` a genuine, unexpired refresh token that was already revoked?"""
    try:
        # simplejwt annotates `decode` as taking a Token; it takes (and here gets) the encoded str.
        payload = token_backend.decode(raw, verify=True)  # type: ignore[arg-type]
    except TokenBackendError:
        return False
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh":
        return False
    return BlacklistedToken.objects.filter(token__jti=payload.get(jwt_settings.JTI_CLAIM)).exists()
