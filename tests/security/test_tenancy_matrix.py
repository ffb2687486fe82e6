"""The tenancy matrix, generated from the URL patterns: every endpoint and method, called as
every kind of caller, against real objects.

- Store routes (`stores/<store_id>/...`): the owner succeeds; a clerk reads and records sales,
  counts, waste and shopper-order steps, and gets 403 `owner_only` for every other write; the
  owner (or a clerk) of another store, a warehouse system and a shopper get 404 `not_found`, as
  for a missing store, also with their own store id and Alice's object ids; anonymous callers 401.
  A refused call changes nothing in the database and echoes none of Alice's data.
- A `store`/`store_id` (`shopper`, `warehouse`) field in a body never moves a write to another
  tenant: the write lands in the URL's store or is refused, and the other tenant's rows are
  untouched.
- Shopper routes: another shopper gets 404 for the objects and never sees them in a list; a store
  account gets 403 `not_a_shopper`. Warehouse routes: another warehouse gets 404 (`bulk_failed`
  naming not_found for the bulk call); store accounts and shoppers get 403 `warehouse_only`.
Every answer is also searched for secrets (tests/security/checks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from .calls import path_kwargs, request_body
from .checks import body_of, diff, owned_rows, sensitive_findings, snapshot
from .routes import CATALOG_PARAMS, CLERK_WRITES, SCOPES, Route, Scope, all_routes, routes_in
from .world import MARK, World

OK = "2xx"


@dataclass
class Case:
    role: str
    client: APIClient
    path: str
    body: dict[str, Any] | None
    expect: Any  # OK, (status, code), or a tuple of allowed statuses
    unchanged: bool = False  # nothing in the database may change
    forbidden: tuple[str, ...] = ()  # text that must not appear in the answer
    victim: Callable[[], Any] | None = None  # rows that must not change (another tenant's)


def _with(body: dict[str, Any] | None, **extra: Any) -> dict[str, Any] | None:
    return None if body is None else {**body, **extra}


def store_cases(w: World, route: Route, method: str) -> list[Case]:
    path, body = route.path(**path_kwargs(w, route)), request_body(w, route, method)
    alice_data = (MARK["alice"], MARK["sam"], w.alice.store.code)
    refused: dict[str, Any] = {"unchanged": True, "forbidden": alice_data}
    clerk_ok = not route.is_write(method) or (route.name, method) in CLERK_WRITES
    bob_path = route.path(**path_kwargs(w, route, w.b))
    cases = [
        Case("owner", w.alice.client, path, body, OK, forbidden=(MARK["bob"], w.bob.store.code)),
        Case(
            "clerk",
            w.carol.client,
            path,
            body,
            OK if clerk_ok else (403, "owner_only"),
            unchanged=not clerk_ok,
            forbidden=(MARK["bob"], w.bob.store.code),
        ),
        Case("other store's owner", w.bob.client, path, body, (404, "not_found"), **refused),
        Case(
            "clerk of another store",
            w.carol.client,
            bob_path,
            body,
            (404, "not_found"),
            unchanged=True,
            forbidden=(MARK["bob"], MARK["tess"], w.bob.store.code),
        ),
        Case("warehouse system", w.wms.client, path, body, (404, "not_found"), **refused),
        Case("shopper", w.sam.client, path, body, (404, "not_found"), **refused),
        Case("anonymous", w.anon, path, body, (401, "not_authenticated"), **refused),
    ]
    if set(route.params) - {"store_id"} - CATALOG_PARAMS:
        # Bob's own store in the path, Alice's objects after it.
        mixed = route.path(**{**path_kwargs(w, route), "store_id": w.bob.store.pk})
        cases.append(
            Case(
                "other owner, own store id",
                w.bob.client,
                mixed,
                body,
                (404, "not_found"),
                **refused,
            )
        )
    if route.is_write(method) and body is not None:
        redirect = _with(body, store=w.bob.store.pk, store_id=w.bob.store.pk)
        cases.append(
            Case(
                "owner, body naming another store",
                w.alice.client,
                path,
                redirect,
                (200, 201, 400),
                victim=lambda: owned_rows(store=w.bob.store),
            )
        )
    return cases


def shopper_cases(w: World, route: Route, method: str) -> list[Case]:
    path, body = route.path(**path_kwargs(w, route)), request_body(w, route, method)
    refused: dict[str, Any] = {"unchanged": True, "forbidden": (MARK["sam"],)}
    cases = [
        Case("shopper", w.sam.client, path, body, OK, forbidden=(MARK["tess"],)),
        Case("store owner", w.alice.client, path, body, (403, "not_a_shopper"), **refused),
        Case("warehouse system", w.wms.client, path, body, (403, "not_a_shopper"), **refused),
        Case("anonymous", w.anon, path, body, (401, "not_authenticated"), **refused),
    ]
    if route.params:
        cases.append(
            Case("other shopper", w.tess.client, path, body, (404, "not_found"), **refused)
        )
    else:  # a list, or creating one's own: never another shopper's rows
        cases.append(Case("other shopper", w.tess.client, path, body, OK, forbidden=(MARK["sam"],)))
    if route.is_write(method) and body is not None:
        redirect = _with(body, shopper=w.tess.user.pk, user=w.tess.user.pk)
        cases.append(
            Case(
                "shopper, body naming another shopper",
                w.sam.client,
                path,
                redirect,
                (200, 201, 400),
                victim=lambda: owned_rows(user=w.tess.user),
            )
        )
    return cases


def warehouse_cases(w: World, route: Route, method: str) -> list[Case]:
    path, body = route.path(**path_kwargs(w, route)), request_body(w, route, method)
    refused: dict[str, Any] = {"unchanged": True, "forbidden": (MARK["alice"], w.alice.store.code)}
    other: Any = OK  # a list: only its own warehouse's orders (checked by the markers)
    if route.params:
        other = (404, "not_found")
    elif route.is_write(method):
        other = (409, "bulk_failed")  # every item is another warehouse's order: not found
    cases = [
        Case("warehouse system", w.wms.client, path, body, OK),
        Case(
            "other warehouse",
            w.other_wms.client,
            path,
            body,
            other,
            unchanged=other != OK,
            forbidden=(MARK["alice"], MARK["bob"], w.alice.store.code),
        ),
        Case("store owner", w.alice.client, path, body, (403, "warehouse_only"), **refused),
        Case("clerk", w.carol.client, path, body, (403, "warehouse_only"), **refused),
        Case("shopper", w.sam.client, path, body, (403, "warehouse_only"), **refused),
        Case("anonymous", w.anon, path, body, (401, "not_authenticated"), **refused),
    ]
    if route.is_write(method) and body is not None:
        redirect = _with(body, warehouse=w.other_wms.extra.warehouse_id)
        cases.append(
            Case(
                "warehouse, body naming another warehouse",
                w.wms.client,
                path,
                redirect,
                (200, 201, 400),
                victim=lambda: owned_rows(warehouse=w.other_wms.extra.warehouse),
            )
        )
    return cases


def self_cases(w: World, route: Route, method: str) -> list[Case]:
    path = route.path(**path_kwargs(w, route))
    return [
        Case("alice", w.alice.client, path, None, OK, forbidden=(w.bob.store.code,)),
        Case("bob", w.bob.client, path, None, OK, forbidden=(w.alice.store.code,)),
        Case("anonymous", w.anon, path, None, (401, "not_authenticated"), unchanged=True),
    ]


CASES = {
    Scope.STORE: store_cases,
    Scope.SHOPPER: shopper_cases,
    Scope.WAREHOUSE: warehouse_cases,
    Scope.SELF: self_cases,
}


def run_case(w: World, route: Route, method: str, case: Case) -> list[str]:
    """Make the call inside a savepoint that is rolled back, so every case starts from the world
    as built (`w.baseline`). Refused writes are checked against it row by row; a refused read
    is checked for its status and what it reveals."""
    problems: list[str] = []
    with transaction.atomic():
        before = w.baseline if case.unchanged and route.is_write(method) else None
        victim_before = case.victim() if case.victim else None
        call = getattr(case.client, method)
        response = (
            call(case.path, case.body, format="json") if case.body is not None else call(case.path)
        )
        body = body_of(response)
        status = response.status_code
        if case.expect == OK:
            if not 200 <= status < 300:
                problems.append(f"expected 2xx, got {status} {body}")
        elif isinstance(case.expect, tuple) and isinstance(case.expect[-1], str):
            code = body.get("code") if isinstance(body, dict) else None
            if (status, code) != case.expect:
                problems.append(f"expected {case.expect}, got {status} {body}")
        elif status not in case.expect:
            problems.append(f"expected one of {case.expect}, got {status} {body}")
        if status >= 400 and not (
            isinstance(body, dict) and {"code", "message", "fields"} <= body.keys()
        ):
            problems.append(f"error not in the error shape: {body}")
        if before is not None and (changed := diff(before, snapshot())):
            problems.append(f"the refused call changed the database: {changed}")
        if victim_before is not None and (changed := diff(victim_before, case.victim())):  # type: ignore[misc]
            problems.append(f"another tenant's rows changed: {changed}")
        text = response.content.decode("utf-8", "replace")
        problems += [f"the answer contains {s!r}" for s in case.forbidden if s in text]
        problems += [f"the answer contains {s}" for s in sensitive_findings(body)]
        transaction.set_rollback(True)
    return [f"{route.name} {method.upper()} as {case.role} ({case.path}): {p}" for p in problems]


MATRIX = [
    pytest.param(route, method, id=f"{route.name}-{method}")
    for route in routes_in(Scope.STORE, Scope.SHOPPER, Scope.WAREHOUSE, Scope.SELF)
    for method in route.methods
]


@pytest.mark.parametrize(("route", "method"), MATRIX)
def test_matrix(db: Any, world: World, route: Route, method: str) -> None:
    cases = CASES[route.scope](world, route, method)
    problems = [p for case in cases for p in run_case(world, route, method, case)]
    assert not problems, "\n".join(problems)


def test_every_route_is_classified() -> None:
    routes = all_routes()
    names = [r.name for r in routes]
    assert len(names) == len(set(names)), "route names must be unique"
    unclassified = [f"{r.name} ({r.pattern})" for r in routes if r.name not in SCOPES]
    assert not unclassified, f"classify these routes in tests/security/routes.py: {unclassified}"
    assert not set(SCOPES) - set(names), f"stale entries: {set(SCOPES) - set(names)}"
    assert {name for name, _m in CLERK_WRITES} <= set(names)
    for r in routes:
        scope, reason = SCOPES[r.name]
        if scope is Scope.PUBLIC:
            assert reason, f"{r.name}: say why a public route serves no tenant's data"
        if r.pattern.startswith("api/v1/stores/"):
            assert scope is Scope.STORE, f"{r.name} is under stores/<id>/ but not store-scoped"
        if scope is Scope.STORE:
            assert r.params[:1] == ("store_id",), r.pattern
    assert len(MATRIX) >= 50  # the walk found the API (a broken walk must not pass vacuously)


@pytest.mark.parametrize(
    "name", ["stock-count", "stock-waste", "sales-receipts", "store-orders", "fixture-list"]
)
def test_a_store_in_the_body_does_not_move_the_write(db: Any, world: World, name: str) -> None:
    """Alice posts to her own store's URL with Bob's store named in the body: the write lands in
    Alice's store, Bob's rows are untouched."""
    route = next(r for r in all_routes() if r.name == name)
    bob_store = world.bob.store
    body = {
        **(request_body(world, route, "post") or {}),
        "store": bob_store.pk,
        "store_id": bob_store.pk,
    }
    bob_before, alice_before = owned_rows(store=bob_store), owned_rows(store=world.alice.store)
    r = world.alice.client.post(route.path(**path_kwargs(world, route)), body, format="json")
    assert r.status_code in (200, 201), r.content
    assert not diff(bob_before, owned_rows(store=bob_store))
    assert diff(alice_before, owned_rows(store=world.alice.store)), "the write landed nowhere"


def test_options_reveals_nothing(db: Any, world: World) -> None:
    """OPTIONS describes the view (DRF metadata) without running it: no tenant's data, no
    change, for another store's owner as for anyone."""
    for route in routes_in(Scope.STORE, Scope.SHOPPER, Scope.WAREHOUSE):
        r = world.bob.client.options(route.path(**path_kwargs(world, route)))
        assert r.status_code in (200, 403), (route.name, r.status_code)
        text = r.content.decode()
        assert MARK["alice"] not in text and world.alice.store.code not in text, route.name
        assert sensitive_findings(body_of(r)) == [], route.name
    assert not diff(world.baseline, snapshot())
