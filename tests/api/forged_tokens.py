"""Tokens signed with the project's key whose claims are of the wrong type or out of range, as a
leaked signing key could make them; and one whose header no reader should have to decode."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
from rest_framework_simplejwt.settings import api_settings as jwt_settings

ABSENT = object()

# Values a claim must never be taken as, by claim. Each makes a token that must answer 401.
_SOON = int(time.time()) + 600
_NOT_A_TIME = [str(_SOON), [_SOON], {"t": 1}, True, None, 1e300, -1e300, 2**64, -1]
BAD_CLAIMS: dict[str, list[Any]] = {
    "user_id": [
        "abc",
        [1],
        {"id": 1},
        True,
        None,
        1.5,
        0,
        -1,
        2**63,
        "01",
        " 1",
        "١",
        "9" * 30,
        ABSENT,
    ],
    "token_type": [["access"], {"t": "access"}, 1, None, True, "x" * 1000, ABSENT],
    "jti": [1, [uuid.uuid4().hex], {"j": 1}, None, True, "", "x" * 300, "a\x00b", ABSENT],
    "exp": [*_NOT_A_TIME, ABSENT],
    "iat": _NOT_A_TIME,
}


def forge(user_pk: Any, token_type: str = "access", /, **claims: Any) -> str:  # noqa: S107
    """A token signed with the project's key: valid claims for `user_id`, except `claims`."""
    now = int(time.time())
    payload: dict[str, Any] = {
        jwt_settings.TOKEN_TYPE_CLAIM: token_type,
        "exp": now + 600,
        "iat": now,
        jwt_settings.JTI_CLAIM: uuid.uuid4().hex,
        jwt_settings.USER_ID_CLAIM: str(user_pk),
    }
    for claim, value in claims.items():
        if value is ABSENT:
            payload.pop(claim, None)
        else:
            payload[claim] = value
    return jwt.encode(payload, jwt_settings.SIGNING_KEY, algorithm=jwt_settings.ALGORITHM)


def bad_tokens(user_id: Any, token_type: str = "access") -> list[tuple[str, str]]:  # noqa: S107
    """(label, token) for every bad value of every claim, plus a deep-header token."""
    out = [
        (f"{claim}={_label(value)}", forge(user_id, token_type, **{claim: value}))
        for claim, values in BAD_CLAIMS.items()
        for value in values
    ]
    out.append(("deeply nested header", deep_header_token()))
    return out


def deep_header_token(depth: int = 3000) -> str:
    """No signature can be checked before the header is read: nesting it deep enough used to
    exhaust Python's recursion in the JWT library's reader."""
    header = {"alg": "HS256", "typ": "JWT"}
    text = json.dumps(header)[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
    part = base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
    return f"{part}.e30.c2ln"


def _label(value: Any) -> str:
    if value is ABSENT:
        return "absent"
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."
