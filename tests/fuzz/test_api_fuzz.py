"""Fuzz every operation of the OpenAPI document the project serves (/api/schema/), as every role.

Schemathesis generates valid and invalid requests (path, query, headers, body) from the schema;
each goes through the whole WSGI stack with a real JWT for the role, and every answer must be a
non-5xx response whose status code is documented, whose content type is the documented one, and
whose body and headers match the documented schema.

Two passes, bounded and derandomized (the same requests on every run):
- `test_operation_as_its_role`: each operation as the role it is for (the store owner for the
  store app, the warehouse account for `warehouse/`, the shopper for `shopper/`, no token for
  login and `nearby/`): the schema's examples, the coverage phase's boundary and type-mutation
  cases, then random valid and invalid input.
- `test_operation_as_every_role`: a little random input as each of owner, clerk, warehouse
  account, shopper and anonymous: 401 / 403 / 404 paths and other tenants' objects.

Path parameters are often real ids from a small seeded chain (`seed.py`): the role's own objects
and another tenant's, so handlers get past their 404s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.seed import ROLES, Seeded, seed_chain

# Runs on PostgreSQL (CI) and on the embedded SQLite default alike: the fuzzer sends integers
# past 64 bits, which PostgreSQL compares as numerics (no such row) and which Python's sqlite3
# driver cannot bind; body ids are bounded (lst.api.fields.IdField) and a path id that SQLite
# cannot bind is a 404 (lst.api.errors), so both answer the same.
pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

SEED_VALUE = 20261111
DEEP_EXAMPLES = 8  # random cases per operation (valid and invalid), as its own role
ROLE_EXAMPLES = 3  # random valid cases per operation and role


def _config(*, deep: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED_VALUE,
            "generation": {
                # Invalid input as its own role; as the other roles valid input is what probes
                # their 401 / 403 / 404 answers.
                "mode": "all" if deep else "positive",
                "max-examples": DEEP_EXAMPLES if deep else ROLE_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,  # a failing run stays bounded in time too
                # The role's real token is sent instead of generated credentials.
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": deep},
                # Methods the schema does not list answer 405; nothing to learn per role.
                "coverage": {"enabled": deep, "unexpected-methods": []},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

deep_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", WSGIHandler(), config=_config(deep=True)
)
role_schema = schemathesis.openapi.from_dict(deep_schema.raw_schema, config=_config(deep=False))
role_schema.app = deep_schema.app

SEED = Seeded()


def home_role(path: str) -> str:
    """The role an operation is for."""
    tail = path.removeprefix("/api/v1/")
    if tail.startswith("warehouse/"):
        return "warehouse"
    if tail.startswith("shopper/"):
        return "shopper"
    if tail.startswith(("auth/", "nearby/")):
        return "anonymous"
    return "owner"


def _ids_for(path: str, name: str) -> list[Any]:
    if name == "order_id":
        shopper = "/shopper/orders/" in path or "/shopper-orders/" in path
        return SEED.ids["shopper_order_id" if shopper else "replenishment_order_id"]
    if name == "suggestion_id":
        assortment = "/assortment/" in path
        return SEED.ids["assortment_suggestion_id" if assortment else "purchase_suggestion_id"]
    return SEED.ids[name]


# A generated path parameter "seeded<n>" stands for the n-th seeded id of that parameter; it
# is resolved when the request is sent, since the chain is seeded after collection.
SEEDED = re.compile(r"^seeded(\d)$")


def _sometimes_seeded(context: Any, strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Half the random cases name seeded objects: the role's own, or another tenant's."""
    names = [p.name for p in context.operation.path_parameters]
    if not names:
        return strategy
    seeded = st.fixed_dictionaries(
        {name: st.integers(0, 2).map(lambda i: f"seeded{i}") for name in names}
    )
    return st.one_of(seeded, strategy)


for _schema in (deep_schema, role_schema):
    _schema.hook("before_generate_path_parameters")(_sometimes_seeded)


def _resolve_path(case: Any) -> None:
    """Seeded markers become real ids. The examples and coverage phases put the same valid
    placeholder (0) in every path parameter: that becomes the owner's own object, so their
    cases reach the handler's validation instead of stopping at 404."""
    params = case.path_parameters or {}
    placeholders = case.meta is not None and case.meta.phase.name in (
        TestPhase.EXAMPLES,
        TestPhase.COVERAGE,
    )
    for name, value in params.items():
        match = SEEDED.match(str(value))
        if match:
            ids = _ids_for(case.operation.path, name)
            params[name] = ids[int(match.group(1)) % len(ids)]
        elif placeholders and str(value) == "0":
            params[name] = _ids_for(case.operation.path, name)[0]


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Seeded]:
    """Seed once for the module, inside a transaction rolled back at its end; each test runs in
    a savepoint of it (the `db` fixture), so every operation starts from the same chain."""
    with django_db_blocker.unblock(), transaction.atomic():
        seeded = seed_chain()
        SEED.ids, SEED.headers = seeded.ids, seeded.headers
        yield seeded
        transaction.set_rollback(True)


@pytest.fixture
def fuzz_env(seeded: Seeded, db: Any, settings: Any) -> Iterator[None]:
    # Throttle counters live in the cache: with no cache nothing is throttled. Production
    # rates are untouched; a fuzzer is simply faster than any phone.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The WSGI handler would close the connection after each request, and with it the test's
    # transaction; Django's own test client detaches this handler the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _call(case: Any, role: str) -> None:
    _resolve_path(case)
    case.call_and_validate(headers=SEED.headers[role], checks=CHECKS)


# `fuzz_env` is set up once per operation, not per example, on purpose: the examples of one
# operation share its savepoint.
ONCE_PER_OPERATION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@deep_schema.parametrize()
@ONCE_PER_OPERATION
def test_operation_as_its_role(case: Any, fuzz_env: None) -> None:
    _call(case, home_role(case.operation.path))


@pytest.mark.parametrize("role", ROLES)
@role_schema.parametrize()
@ONCE_PER_OPERATION
def test_operation_as_every_role(case: Any, role: str, fuzz_env: None) -> None:
    _call(case, role)
