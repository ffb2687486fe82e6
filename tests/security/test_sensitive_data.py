"""No answer carries a secret: password hashes, tokens other than the login's own, one-time
codes, the SECRET_KEY, or another tenant's rows. The matrix checks every tenant route's answers
with the same `sensitive_findings`; this module covers the public and login routes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from shoppers import services as shopper_services

from .checks import body_of, sensitive_findings
from .routes import TOKEN_ROUTES, Scope, all_routes
from .world import MARK, World

PASSWORD = "pass-word-123"  # tests/stores/factories.UserFactory's


def test_the_checker_finds_what_it_looks_for(settings: Any) -> None:
    """So that a clean answer means something."""
    pbkdf2 = PBKDF2PasswordHasher().encode("y", "salt", iterations=2)
    leaky = {
        "user": {"password": make_password("x"), "otp_code": "123456"},
        "note": f"hash {pbkdf2}",
        "access": "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl",
        "debug": settings.SECRET_KEY,
    }
    found = " | ".join(sensitive_findings(leaky))
    for what in ("'password'", "'otp_code'", "a password hash", "a JWT", "'access'", "SECRET_KEY"):
        assert what in found, what
    assert sensitive_findings({"code": "not_found", "message": "m", "fields": {}}) == []
    assert sensitive_findings({"access": "eyJa.eyJb.c"}, tokens_allowed=True) == []


PUBLIC_GETS = [r for r in all_routes() if r.scope is Scope.PUBLIC and "get" in r.methods]


@pytest.mark.parametrize("route", PUBLIC_GETS, ids=[r.name for r in PUBLIC_GETS])
def test_public_routes_reveal_nothing_private(db: Any, world: World, route: Any) -> None:
    product: Any = world.a.product
    path = route.path(store_id=world.alice.store.pk, product_id=product.pk, ean=product.barcode)
    query = (
        {"product": product.pk, "lat": 30.2741, "lon": 120.1551} if route.name == "nearby" else {}
    )
    # The catalog needs a signed-in user (any); the rest answer anyone.
    client = (
        world.bob.client
        if route.pattern.startswith(("api/v1/products", "api/v1/categories"))
        else APIClient()
    )
    r = client.get(path, query)
    assert r.status_code == 200, (route.name, r.content[:300])
    body = body_of(r)
    assert sensitive_findings(body) == [], route.name
    text = r.content.decode("utf-8", "replace")
    assert not [m for m in MARK.values() if m in text], route.name


def _tokens_only(body: dict[str, Any], *extra: str) -> None:
    assert set(body) == {"access", "refresh", "access_expires_in", *extra}, body
    assert sensitive_findings(body, tokens_allowed=True) == []


def test_login_answers_the_callers_tokens_and_nothing_else(db: Any, world: World) -> None:
    anon = APIClient()
    r = anon.post("/api/v1/auth/token/", {"login": "alice", "password": PASSWORD}, format="json")
    assert r.status_code == 200, r.content
    _tokens_only(r.json())
    alice: Any = world.alice.user
    assert str(AccessToken(r.json()["access"])["user_id"]) == str(alice.pk)
    refreshed = anon.post(
        "/api/v1/auth/token/refresh/", {"refresh": r.json()["refresh"]}, format="json"
    )
    assert set(refreshed.json()) == {"access", "refresh"}
    wrong = anon.post(
        "/api/v1/auth/token/", {"login": "alice", "password": "Wr0ng-guess"}, format="json"
    )
    assert wrong.status_code == 401
    assert "Wr0ng-guess" not in wrong.content.decode() and sensitive_findings(wrong.json()) == []


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_shopper_login_never_answers_the_code(
    db: Any, settings: Any, monkeypatch: Any, production: bool
) -> None:
    settings.PRODUCTION = production
    issued: list[str] = []
    real = shopper_services.otp_request

    def spy(**kwargs: Any) -> Any:
        row, code = real(**kwargs)
        if code is not None:  # None: no code for a store or staff account
            issued.append(code)
        return row, code

    monkeypatch.setattr(shopper_services, "otp_request", spy)
    anon = APIClient()
    r = anon.post("/api/v1/shopper/otp/request/", {"phone": "13900000077"}, format="json")
    assert r.status_code == 202 and r.json() == {"expires_in": settings.SHOPPER_OTP_TTL_SECONDS}
    assert issued and issued[0] not in r.content.decode()
    v = anon.post(
        "/api/v1/shopper/otp/verify/", {"phone": "13900000077", "code": issued[0]}, format="json"
    )
    assert v.status_code == 200, v.content
    _tokens_only(v.json(), "user_id", "phone", "created")
    s = anon.post(
        "/api/v1/shopper/signup/",
        {"phone": "13900000078", "password": "Sh0pper-pass-QRS"},
        format="json",
    )
    assert s.status_code == 201, s.content
    _tokens_only(s.json(), "user_id", "phone", "created")
    assert "Sh0pper-pass-QRS" not in s.content.decode()


def test_every_token_route_is_known() -> None:
    """Only these answer tokens; the matrix refuses a JWT anywhere else."""
    assert {r.name for r in all_routes()} >= TOKEN_ROUTES
