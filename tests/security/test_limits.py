"""Limits every endpoint shares: capped page sizes, a capped request body, throttled logins that
a client cannot dodge by writing its own X-Forwarded-For."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import Product
from lst.api.pagination import StandardPagination
from tests.catalog.factories import CategoryFactory, ProductFactory

from .calls import path_kwargs, request_body
from .checks import body_of, diff, snapshot
from .routes import Route, Scope, all_routes
from .world import World


def caller(w: World, route: Route) -> APIClient:
    """Someone the route serves."""
    return {
        Scope.STORE: w.alice.client,
        Scope.SELF: w.alice.client,
        Scope.SHOPPER: w.sam.client,
        Scope.WAREHOUSE: w.wms.client,
    }.get(route.scope, w.alice.client)


def _path(w: World, route: Route) -> str:
    if route.name in ("product-detail", "product-by-barcode"):
        product = w.a.product
        return route.path(product_id=product.pk, ean=product.barcode)
    return route.path(**path_kwargs(w, route))


GETS = [r for r in all_routes() if "get" in r.methods and r.pattern.startswith("api/v1/")]


def test_every_list_caps_its_page_size(db: Any, world: World, monkeypatch: Any) -> None:
    """With the cap at 1, asking for 100000 rows gives 1 on every paginated list (each list in
    the world has at least two rows, so an uncapped list would show it)."""
    monkeypatch.setattr(StandardPagination, "max_page_size", 1)
    pages = []
    for route in GETS:
        if route.name == "nearby":  # not a page: at most NEARBY_MAX_RESULTS, nearest first
            continue
        r = caller(world, route).get(_path(world, route), {"page_size": 100000})
        body = body_of(r)
        assert r.status_code == 200, (route.name, body)
        if isinstance(body, dict) and "results" in body:
            assert body["count"] >= 2, f"{route.name}: give the world two rows to page"
            assert len(body["results"]) == 1, route.name
            pages.append(route.name)
        else:
            assert not isinstance(body, list), f"{route.name} answers an unpaginated list"
    assert len(pages) >= 13, pages


def test_the_cap_is_api_max_page_size(db: Any, world: World) -> None:
    assert StandardPagination.max_page_size == settings.API_MAX_PAGE_SIZE == 200
    category: Any = CategoryFactory()
    Product.objects.bulk_create(ProductFactory.build_batch(205, category=category))
    r = world.alice.client.get("/api/v1/products/", {"page_size": 100000, "category": category.pk})
    assert (r.status_code, r.json()["count"], len(r.json()["results"])) == (200, 205, 200)


PUBLIC_BODIES: dict[str, dict[str, Any]] = {
    "auth-token": {"login": "alice", "password": "pass-word-123"},
    "auth-token-refresh": {"refresh": "x"},
    "auth-logout": {"refresh": "x"},
    "shopper-signup": {"phone": "13900000099", "password": "pass-word-123"},
    "shopper-otp-request": {"phone": "13900000099"},
    "shopper-otp-verify": {"phone": "13900000099", "code": "123456"},
}
# Writes that take no body (`request=None` in their schema) never read one, so there is nothing
# to refuse: the transition happens as for an empty body.
BODYLESS = {
    "warehouse-order-confirm",
    "warehouse-order-pick",
    "warehouse-order-ship",
    "warehouse-order-deliver",
}
WRITES = [
    (r, m)
    for r in all_routes()
    for m in r.methods
    if m in ("post", "put", "patch") and r.pattern.startswith("api/v1/") and r.name not in BODYLESS
]


@pytest.mark.parametrize(
    ("route", "method"), [pytest.param(r, m, id=f"{r.name}-{m}") for r, m in WRITES]
)
def test_every_write_refuses_an_oversized_body(
    db: Any, world: World, settings: Any, route: Route, method: str
) -> None:
    """Above MAX_REQUEST_BYTES: 413 `payload_too_large` in the error shape, nothing written,
    with and without an Idempotency-Key (which reads the body first)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    if route.scope is Scope.PUBLIC:
        body, client = dict(PUBLIC_BODIES[route.name]), APIClient()
    else:
        body, client = request_body(world, route, method) or {}, caller(world, route)
    body["padding"] = "x" * 2000
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "big-body"}):
        r = getattr(client, method)(
            _path(world, route), json.dumps(body), content_type="application/json", **headers
        )
        assert r.status_code == 413, (route.name, r.content[:300])
        assert r.json() == {
            "code": "payload_too_large",
            "message": r.json()["message"],
            "fields": {},
        }
        assert not diff(world.baseline, snapshot())


# --- throttles --------------------------------------------------------------------------------

CREDENTIAL_ROUTES = {
    "auth-token": "login",
    "shopper-signup": "login",
    "shopper-otp-verify": "login",
    "shopper-otp-request": "otp",
}


def _limit(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def _attempt(route: str, i: int, **headers: Any) -> Any:
    body = {
        "auth-token": {"login": f"nobody{i}", "password": "wrong"},
        "shopper-signup": {"phone": "1", "password": "x"},  # 400: invalid, still counted
        "shopper-otp-verify": {"phone": f"1390000{i:04d}", "code": "000000"},
        "shopper-otp-request": {"phone": f"1390000{i:04d}"},
    }[route]
    path = next(r for r in all_routes() if r.name == route).path()
    return APIClient().post(path, body, format="json", **headers)


@pytest.mark.parametrize("route", sorted(CREDENTIAL_ROUTES))
def test_credential_routes_answer_429_after_the_configured_rate(db: Any, route: str) -> None:
    """Per client address, whatever X-Forwarded-For the client sends (a new value each time
    used to open a new bucket), and whatever login name or phone it tries."""
    limit = _limit(CREDENTIAL_ROUTES[route])
    for i in range(limit):
        r = _attempt(route, i, HTTP_X_FORWARDED_FOR=f"10.9.{i}.1")
        assert r.status_code != 429, (route, i)
    r = _attempt(route, limit, HTTP_X_FORWARDED_FOR="10.9.200.1")
    assert r.status_code == 429, (route, r.status_code)
    assert r.json()["code"] == "throttled" and int(r["Retry-After"]) > 0


def test_behind_a_proxy_the_address_it_appended_is_counted(db: Any, settings: Any) -> None:
    """NUM_PROXIES=1: the client's own part of X-Forwarded-For is ignored, the address the proxy
    appended counts, so changing the first part does not help either."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    limit = _limit("login")
    codes = [
        _attempt("auth-token", i, HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 10.0.0.7").status_code
        for i in range(limit + 1)
    ]
    assert codes == [401] * limit + [429]
    other = _attempt("auth-token", 99, HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.8")
    assert other.status_code == 401  # another client behind the proxy has its own bucket


def test_anonymous_and_nearby_throttles_ignore_x_forwarded_for(
    db: Any, world: World, monkeypatch: Any
) -> None:
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min", "nearby": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    product = world.a.product
    for path, query in [
        ("/api/v1/nearby/", {"product": product.pk, "lat": 30.2741, "lon": 120.1551}),
        (f"/api/v1/shopper/stores/{world.alice.store.pk}/products/", {}),
        ("/api/v1/auth/token/refresh/", None),
    ]:
        cache.clear()  # nearby/ and the shop's products share the `nearby` scope
        client = APIClient()
        send = client.get if query is not None else client.post
        codes = [
            send(path, query or {"refresh": "x"}, HTTP_X_FORWARDED_FOR=f"10.8.{i}.1").status_code
            for i in range(4)
        ]
        assert 429 not in codes[:3] and codes[3] == 429, (path, codes)
