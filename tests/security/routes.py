"""Every route of the project, walked from the URL resolver, and who may use it.

A route missing from `SCOPES` fails `test_every_route_is_classified`, so a new endpoint cannot
ship without someone saying whose data it serves; the matrix then exercises it for every role.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


class Scope(enum.Enum):
    STORE = "store"  # stores/<store_id>/...: members of that store only (owner writes, clerk reads)
    SHOPPER = "shopper"  # the signed-in shopper's own addresses and orders
    WAREHOUSE = "warehouse"  # a warehouse service account, its own warehouse's orders only
    SELF = "self"  # the signed-in user's own account
    PUBLIC = "public"  # serves no tenant's private data (the reason is given)


# The methods the matrix calls. OPTIONS (DRF's description of the view, no data) and HEAD (Django
# answers it with the GET handler) are covered by `test_options_reveals_nothing` and the GETs.
METHODS = ("get", "post", "put", "patch", "delete")

# Django's admin keeps its own scoping (field agents see their territory): tests/admin/.
EXCLUDED_PREFIXES = {"admin/": "the staff admin; its scoping is tested in tests/admin/"}

S, SH, W = Scope.STORE, Scope.SHOPPER, Scope.WAREHOUSE

SCOPES: dict[str, tuple[Scope, str]] = {
    # --- not tenant data
    "api-root": (Scope.PUBLIC, "the API's version and the addresses of its schema and docs"),
    "auth-token": (Scope.PUBLIC, "login: answers tokens for the caller's own credentials"),
    "auth-token-refresh": (Scope.PUBLIC, "exchanges the caller's own refresh token"),
    "auth-logout": (Scope.PUBLIC, "revokes the refresh token the caller holds; answers no data"),
    "category-list": (Scope.PUBLIC, "the chain-wide catalog, the same for every store"),
    "product-list": (Scope.PUBLIC, "the chain-wide catalog"),
    "product-detail": (Scope.PUBLIC, "the chain-wide catalog"),
    "product-by-barcode": (Scope.PUBLIC, "the chain-wide catalog"),
    "nearby": (Scope.PUBLIC, "for shoppers: availability levels of active stores, no counts"),
    "shopper-signup": (Scope.PUBLIC, "creates the caller's own account"),
    "shopper-otp-request": (Scope.PUBLIC, "sends a code to a phone; same answer for any number"),
    "shopper-otp-verify": (Scope.PUBLIC, "logs in with the caller's own code"),
    "shopper-store": (Scope.PUBLIC, "an active store's published terms for online orders"),
    "shopper-store-products": (Scope.PUBLIC, "what shoppers may order: free stock, capped"),
    "schema": (Scope.PUBLIC, "the OpenAPI document: describes the API, holds no data"),
    "swagger-ui": (Scope.PUBLIC, "the page that renders the OpenAPI document"),
    "healthz": (Scope.PUBLIC, "process health for the load balancer"),
    "readyz": (Scope.PUBLIC, "database and broker health, no data"),
    "metrics": (Scope.PUBLIC, "operational counters, no tenant data; token or allowed network"),
    # --- the caller's own account
    "me": (Scope.SELF, ""),
    # --- a store's own data
    "store-detail": (S, ""),
    "fixture-list": (S, ""),
    "fixture-detail": (S, ""),
    "stock-list": (S, ""),
    "stock-count": (S, ""),
    "stock-waste": (S, ""),
    "stock-movements": (S, ""),
    "sales-receipts": (S, ""),
    "store-orders": (S, ""),
    "store-order": (S, ""),
    "store-order-quote": (S, ""),
    "store-order-submit": (S, ""),
    "store-order-cancel": (S, ""),
    "store-order-receive": (S, ""),
    "purchase-suggestions": (S, ""),
    "purchase-suggestions-accept": (S, ""),
    "purchase-suggestion-dismiss": (S, ""),
    "purchase-settings": (S, ""),
    "shelf-plan-list": (S, ""),
    "shelf-plan-detail": (S, ""),
    "shelf-plan-svg": (S, ""),
    "shelf-layout": (S, ""),
    "assortment-list": (S, ""),
    "assortment-accept": (S, ""),
    "assortment-dismiss": (S, ""),
    "store-shopper-orders": (S, ""),
    "store-shopper-order-detail": (S, ""),
    "store-shopper-order-accept": (S, ""),
    "store-shopper-order-decline": (S, ""),
    "store-shopper-order-ready": (S, ""),
    "store-shopper-order-out-for-delivery": (S, ""),
    "store-shopper-order-delivered": (S, ""),
    "store-shopper-order-picked-up": (S, ""),
    # --- a shopper's own data
    "shopper-addresses": (SH, ""),
    "shopper-address-detail": (SH, ""),
    "shopper-orders": (SH, ""),
    "shopper-quote": (SH, ""),
    "shopper-order-detail": (SH, ""),
    "shopper-order-cancel": (SH, ""),
    # --- a warehouse system's queue
    "warehouse-orders": (W, ""),
    "warehouse-order": (W, ""),
    "warehouse-order-confirm": (W, ""),
    "warehouse-order-pick": (W, ""),
    "warehouse-order-ship": (W, ""),
    "warehouse-order-deliver": (W, ""),
    "warehouse-order-reject": (W, ""),
    "warehouse-orders-bulk-status": (W, ""),
}

# The documented role rule (docs/api.md, "Who am I"): clerks read everything of their store and
# record sales, counts and waste, and handle shopper orders; every other write is the owner's
# (403 `owner_only` for a clerk). A new write endpoint is owner-only until it is listed here.
CLERK_WRITES: set[tuple[str, str]] = {
    ("stock-count", "post"),
    ("stock-waste", "post"),
    ("sales-receipts", "post"),
    *(
        (f"store-shopper-order-{action}", "post")
        for action in ("accept", "decline", "ready", "out-for-delivery", "delivered", "picked-up")
    ),
}

# Path parameters naming chain-wide objects (the catalog): any store may name them, so only the
# store id decides whose data the answer holds.
CATALOG_PARAMS = {"product_id"}

# Routes whose answers carry tokens: the caller's own, just issued.
TOKEN_ROUTES = {"auth-token", "auth-token-refresh", "shopper-signup", "shopper-otp-verify"}

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # e.g. "api/v1/stores/<int:store_id>/fixtures/"
    methods: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def scope(self) -> Scope:
        return SCOPES[self.name][0]

    def path(self, **kwargs: object) -> str:
        return "/" + _PARAM.sub(lambda m: str(kwargs[m.group(1)]), self.pattern)

    def is_write(self, method: str) -> bool:
        return method != "get"

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[Route]:
    for p in patterns:
        text = prefix + str(p.pattern)
        if any(text.startswith(x) for x in EXCLUDED_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, text)
            continue
        view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
        # A plain function view (health checks) answers GET.
        methods = tuple(m for m in METHODS if hasattr(view, m)) if view else ("get",)
        yield Route(p.name or text, text, methods, tuple(_PARAM.findall(text)))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def routes_in(*scopes: Scope) -> list[Route]:
    return [r for r in all_routes() if r.name in SCOPES and r.scope in scopes]
