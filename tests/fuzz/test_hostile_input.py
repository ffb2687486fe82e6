"""Hostile structure, not hostile values: what the schema-driven fuzzer (test_api_fuzz.py) never
generates, sent to every operation that takes a body, as every role, on the tenancy matrix's
world (tests/security/world.py).

The corpus: nesting 100,000 deep (arrays and objects) and just past the limit inside a valid
body; arrays of 10^5 elements, alone and in place of a valid body's lines; a valid body with a
key repeated; NaN / Infinity literals; lone surrogates in strings and keys; numbers of thousands
of digits and just past the double range; top-level values of the wrong type; and a body on
every GET. Then, on every route that authenticates with a JWT, tokens signed with the project's
key whose claims are of the wrong type or out of range.

Expected of every answer: a 4xx in the error shape, within the request time limit (gunicorn's
timeout), and no row changed anywhere.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.authentication import JWTAuthentication

from lst.api.parsers import MAX_DEPTH
from tests.api.forged_tokens import bad_tokens
from tests.security.calls import path_kwargs, request_body
from tests.security.checks import diff, snapshot
from tests.security.routes import Route, Scope, all_routes
from tests.security.test_limits import PUBLIC_BODIES
from tests.security.world import World

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
_TIMEOUT = re.search(r'"GUNICORN_TIMEOUT", "(\d+)"', (ROOT / "lst/gunicorn.conf.py").read_text())
assert _TIMEOUT is not None
#: gunicorn kills a request that takes longer than this (lst/gunicorn.conf.py).
REQUEST_TIME_LIMIT = float(_TIMEOUT.group(1))
BIG = 10**5

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _operation(route: Route, method: str) -> dict[str, Any]:
    path = "/" + _PARAM.sub(r"{\1}", route.pattern)
    return _SCHEMA["paths"].get(path, {}).get(method, {})


API = [r for r in all_routes() if r.pattern.startswith("api/v1/")]
BODY_OPERATIONS = [
    pytest.param(r, m, id=f"{r.name}-{m}")
    for r in API
    for m in r.methods
    if m in ("post", "put", "patch") and "requestBody" in _operation(r, m)
]
GET_ROUTES = [pytest.param(r, id=r.name) for r in API if "get" in r.methods]


def _authenticates_with_jwt(route: Route) -> bool:
    view = next(p.callback for p in _walk_patterns() if p.name == route.name)
    cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if cls is None:
        return False
    classes = getattr(cls, "authentication_classes", None) or []
    return any(issubclass(c, JWTAuthentication) for c in classes)


def _walk_patterns() -> list[Any]:
    from django.urls import URLPattern, URLResolver, get_resolver

    out: list[Any] = []

    def walk(patterns: list[Any]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                out.append(p)

    walk(get_resolver().url_patterns)
    return out


JWT_ROUTES = [pytest.param(r, id=r.name) for r in API if _authenticates_with_jwt(r)]


def test_the_corpus_covers_the_api() -> None:
    """A broken walk or schema lookup must not pass vacuously."""
    assert len(BODY_OPERATIONS) >= 30
    assert len(GET_ROUTES) >= 30
    assert len(JWT_ROUTES) >= 50


# --- the corpus ---------------------------------------------------------------------------------


def nested(depth: int, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # ASCII, so a lone surrogate is written as its escape


def _replace_leaves(value: Any, kind: type, new: str) -> tuple[str, int]:
    """The JSON text of `value` with every leaf of `kind` written as `new` (raw JSON text), and
    how many there were."""
    marker = "\x01leaf\x01"
    count = 0

    def swap(v: Any) -> Any:
        nonlocal count
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [swap(x) for x in v]
        if isinstance(v, kind) and not isinstance(v, bool):
            count += 1
            return marker
        return v

    text = json.dumps(swap(value))
    return text.replace(json.dumps(marker), new), count


def body_fields(route: Route, method: str) -> list[str]:
    """The fields the operation's request body documents (OpenAPI), in order."""
    content = _operation(route, method)["requestBody"]["content"]["application/json"]
    schema = content["schema"]
    while "$ref" in schema:
        schema = _SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def corpus(valid: dict[str, Any], fields: list[str]) -> list[tuple[str, bytes]]:
    """(label, body) of hostile structure built around a valid body of the operation. Values go
    into fields the operation reads (a field it ignores would rightly ignore them too)."""
    first = next(iter(valid), None) or (fields[0] if fields else "note")
    text = json.dumps(valid)
    cases: list[tuple[str, bytes]] = [
        ("arrays nested 100000 deep", nested(100_000).encode()),
        ("objects nested 100000 deep", ('{"a":' * 100_000 + "0" + "}" * 100_000).encode()),
        # One level past the limit: the body object, then MAX_DEPTH arrays.
        (
            f"a field nested {MAX_DEPTH + 1} deep",
            _dumps({**valid, first: json.loads(nested(MAX_DEPTH))}),
        ),
        ("a 10^5-element array", ("[" + "0," * (BIG - 1) + "0]").encode()),
        ("a field of 10^5 elements", _dumps({**valid, first: [0] * BIG})),
        ("NaN", f'{{"{first}": NaN}}'.encode()),
        ("Infinity", f'{{"{first}": Infinity}}'.encode()),
        ("-Infinity at the top", b"[-Infinity]"),
        ("a lone surrogate in a key", _dumps({**valid, "\ud800": 1})),
        ("wrong top level: array", b"[]"),
        ("wrong top level: the body in an array", _dumps([valid])),
        ("wrong top level: string", b'"text"'),
        ("wrong top level: number", b"1"),
        ("wrong top level: true", b"true"),
        ("wrong top level: null", b"null"),
    ]
    # A key given twice with the same value: only the reader can refuse it (the body is valid
    # otherwise, so if it were read, the write would happen).
    if valid:
        dup = json.dumps(valid[first])
        cases.append(("a key twice", (text[:-1] + f', "{first}": {dup}}}').encode()))
    else:
        cases.append(("a key twice", b'{"note": "a", "note": "a"}'))
    for name, value in valid.items():
        if isinstance(value, list) and value:
            # The valid body, its lines repeated 10^5 times (an order of 100,000 lines).
            cases.append((f"{name} x 10^5", _dumps({**valid, name: value[:1] * BIG})))
    strings, n = _replace_leaves(valid, str, '"\\ud800"')
    if n:
        cases.append(("a lone surrogate in every string", strings.encode()))
    # Beyond the double range (refused as read), and within it but beyond 64 bits (read
    # exactly, refused by the fields): in every number field, or in the first field.
    for digits in (5000, 400, 100):
        numbers, n = _replace_leaves(valid, int, "9" * digits)
        if n:
            cases.append((f"numbers of {digits} digits", numbers.encode()))
        elif digits != 100:  # a string field takes a number as its text, rightly
            cases.append(
                (f"a number of {digits} digits", f'{{"{first}": {"9" * digits}}}'.encode())
            )
    return cases


# --- the checks --------------------------------------------------------------------------------


def roles(w: World) -> dict[str, APIClient]:
    return {
        "owner": w.alice.client,
        "clerk": w.carol.client,
        "other store's owner": w.bob.client,
        "warehouse system": w.wms.client,
        "shopper": w.sam.client,
        "anonymous": APIClient(),
    }


def _send(client: APIClient, method: str, path: str, body: bytes, **headers: Any) -> Any:
    started = time.perf_counter()
    response = client.generic(
        method.upper(),
        path,
        body,  # type: ignore[arg-type]  # Django sends bytes as they are; the stubs say str
        content_type="application/json",
        **headers,
    )
    return response, time.perf_counter() - started


def _problems(label: str, response: Any, seconds: float) -> list[str]:
    problems = []
    status = response.status_code
    if not 400 <= status < 500:
        problems.append(f"{label}: {status} {response.content[:200]!r}")
    else:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and set(body) == {"code", "message", "fields"}):
            problems.append(f"{label}: {status}, not the error shape: {response.content[:200]!r}")
    if seconds >= REQUEST_TIME_LIMIT:
        problems.append(f"{label}: {seconds:.1f} s, past the {REQUEST_TIME_LIMIT:.0f} s limit")
    return problems


def _target(w: World, route: Route, method: str) -> tuple[str, dict[str, Any]]:
    if route.scope is Scope.PUBLIC:
        return route.path(), dict(PUBLIC_BODIES[route.name])
    return route.path(**path_kwargs(w, route)), request_body(w, route, method) or {}


@pytest.mark.parametrize(("route", "method"), BODY_OPERATIONS)
def test_hostile_bodies_are_refused_as_every_role(
    db: Any, world: World, route: Route, method: str, settings: Any
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    path, valid = _target(world, route, method)
    problems = []
    for label, body in corpus(valid, body_fields(route, method)):
        for role, client in roles(world).items():
            response, seconds = _send(client, method, path, body)
            problems += _problems(f"{label} as {role}", response, seconds)
    if changed := diff(world.baseline, snapshot()):
        problems.append(f"the database changed: {changed}")
    assert not problems, f"{route.name} {method.upper()} {path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("route", GET_ROUTES)
def test_a_body_on_get_is_refused(db: Any, world: World, route: Route) -> None:
    if route.scope is Scope.PUBLIC:
        a = world.a
        values = {"product_id": a.product.pk, "ean": a.product.barcode, "store_id": a.store.pk}
        path = route.path(**{p: values[p] for p in route.params})
    else:
        path = route.path(**path_kwargs(world, route))
    problems = []
    for body_label, body in (("a body", b"{}"), ("a deep body", nested(100_000).encode())):
        for role, client in roles(world).items():
            response, seconds = _send(client, "get", path, body)
            problems += _problems(f"{body_label} as {role}", response, seconds)
    assert not problems, f"{route.name} GET {path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("route", JWT_ROUTES)
def test_tokens_with_malformed_claims_are_401(db: Any, world: World, route: Route) -> None:
    method = "get" if "get" in route.methods else route.methods[0]
    if route.scope is Scope.PUBLIC:
        a = world.a
        values = {"product_id": a.product.pk, "ean": a.product.barcode, "store_id": a.store.pk}
        path = route.path(**{p: values[p] for p in route.params})
    else:
        path = route.path(**path_kwargs(world, route))
    problems = []
    for label, token in bad_tokens(world.alice.user.pk):
        response, seconds = _send(
            APIClient(), method, path, b"", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        problems += _problems(label, response, seconds)
        if response.status_code != 401 or response.json().get("code") != "authentication_failed":
            problems.append(f"{label}: {response.status_code} {response.content[:200]!r}")
    if changed := diff(world.baseline, snapshot()):
        problems.append(f"the database changed: {changed}")
    assert not problems, f"{route.name} {method.upper()} {path}:\n" + "\n".join(problems)
