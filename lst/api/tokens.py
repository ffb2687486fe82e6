"""JWTs whose claims are checked before anything uses them.

simplejwt checks the signature, then uses the claims as they come: a `user_id` of `"abc"` or
`[1]` reaches the user lookup (a ValueError / TypeError there), an `exp` of `1e300` reaches
`datetime.fromtimestamp` (OverflowError), a `jti` of a thousand characters reaches the
blacklist's varchar(255) column. Only a holder of the signing key can make such a token (a
leaked development key, a rotation gone wrong), but what a client sends never answers 500: here
every claim the project reads has its type and range checked right after decoding, and a token
that fails is invalid like any other (401 `authentication_failed`).

A header that does not decode (nested JSON deep enough to exhaust Python's recursion in PyJWT's
reader, before any signature is checked) is invalid too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication, tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from lst.api.fields import MAX_ID
from lst.prepared_queries import PreparedQuery

#: Token times must lie in this range: what `datetime` (and the database) can hold, with a year
#: to spare at the top so no time-zone conversion can step past year 9999.
EARLIEST = 0
LATEST = int(dt.datetime(9999, 1, 1, tzinfo=dt.UTC).timestamp())
_JTI = re.compile(r"[A-Za-z0-9_-]{1,255}")
_DIGITS = re.compile(r"[1-9][0-9]{0,18}")


def claims_problem(payload: Any) -> str | None:
    """Why these decoded claims cannot be used, or None. Checks the claims the project reads:
    the user id (an integer id, or its decimal string, as simplejwt issues it), the token type
    and id (short strings), the expiry and issue times (numbers in the range above)."""
    if not isinstance(payload, dict):
        return "the claims are not an object"
    user_id = payload.get(api_settings.USER_ID_CLAIM)
    if isinstance(user_id, str) and _DIGITS.fullmatch(user_id):
        user_id = int(user_id)
    if not (isinstance(user_id, int) and not isinstance(user_id, bool) and 1 <= user_id <= MAX_ID):
        return f"{api_settings.USER_ID_CLAIM} is not a user id"
    token_type = payload.get(api_settings.TOKEN_TYPE_CLAIM)
    if not (isinstance(token_type, str) and len(token_type) <= 32):
        return f"{api_settings.TOKEN_TYPE_CLAIM} is not a token type"
    jti = payload.get(api_settings.JTI_CLAIM)
    if not (isinstance(jti, str) and _JTI.fullmatch(jti)):
        return f"{api_settings.JTI_CLAIM} is not a token id"
    for claim in ("exp", "iat"):
        if claim == "iat" and claim not in payload:
            continue  # optional; simplejwt always sets it
        value = payload.get(claim)
        if not (isinstance(value, int | float) and not isinstance(value, bool)):
            return f"{claim} is not a time in range"
        if not EARLIEST <= value <= LATEST:  # also False for NaN
            return f"{claim} is not a time in range"
    return None


class StrictTokenBackend(TokenBackend):
    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        try:
            payload = super().decode(token, verify=verify)
        except TokenBackendError:
            raise
        except (RecursionError, ValueError, TypeError, OverflowError) as exc:
            raise TokenBackendError(_("Token is invalid")) from exc
        if claims_problem(payload) is not None:
            raise TokenBackendError(_("Token is invalid"))
        return payload


token_backend = StrictTokenBackend(
    api_settings.ALGORITHM,
    api_settings.SIGNING_KEY,
    api_settings.VERIFYING_KEY,
    api_settings.AUDIENCE,
    api_settings.ISSUER,
    api_settings.JWK_URL,
    api_settings.LEEWAY,
    api_settings.JSON_ENCODER,
)


class AccessToken(tokens.AccessToken):
    _token_backend = token_backend


class RefreshToken(tokens.RefreshToken):
    _token_backend = token_backend
    access_token_class = AccessToken


def _user_by_id(*, user_id: int) -> QuerySet[Any]:
    return get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id})


# Every authenticated API request reads its user: compiled once (lst/prepared_queries.py).
_user_query = PreparedQuery(_user_by_id, "user_id")


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, with the user read by a query compiled once per connection. The checks are
    simplejwt's own (`get_user`): a missing user, an inactive one, a revoked password."""

    def get_user(self, validated_token: Token) -> Any:
        raw = validated_token.get(api_settings.USER_ID_CLAIM)
        if raw is None:
            raise InvalidToken(str(_("Token contained no recognizable user identification")))
        # StrictTokenBackend let through only an integer id or its decimal string, in range.
        found = _user_query(user_id=int(raw))
        if not found:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        user = found[0]
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return user
