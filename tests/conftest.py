"""Shared fixtures. Two tenants, Alice and Bob, each owning a store served by one warehouse, so
isolation can be tested everywhere; Carol is a clerk in Alice's store."""

from __future__ import annotations

import os

# One OpenMP thread per test process: the models here are small, and OpenMP threads spinning
# against other processes on a busy 2-core machine make a 3-second fit take 30.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from lst.models import User
from stores.models import Store, StoreMembership
from tests.replenishment.factories import WarehouseFactory
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory


@dataclass
class Tenant:
    user: User
    store: Store
    client: APIClient


def _client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def warehouse(db):  # type: ignore[no-untyped-def]
    return WarehouseFactory.create()


@pytest.fixture
def alice(db, warehouse) -> Tenant:  # type: ignore[no-untyped-def]
    user = UserFactory.create(username="alice", phone="13800000001")
    store = StoreFactory.create(code="alice-store", name="爱丽丝便利店", warehouse=warehouse)
    MembershipFactory.create(user=user, store=store, role=StoreMembership.Role.OWNER)
    return Tenant(user, store, _client_for(user))


@pytest.fixture
def bob(db, warehouse) -> Tenant:  # type: ignore[no-untyped-def]
    user = UserFactory.create(username="bob", phone="13800000002")
    store = StoreFactory.create(code="bob-store", name="鲍勃便利店", warehouse=warehouse)
    MembershipFactory.create(user=user, store=store, role=StoreMembership.Role.OWNER)
    return Tenant(user, store, _client_for(user))


@pytest.fixture
def carol(db, alice) -> Tenant:  # type: ignore[no-untyped-def]
    """A clerk in Alice's store."""
    user = UserFactory.create(username="carol", phone="13800000003")
    MembershipFactory.create(user=user, store=alice.store, role=StoreMembership.Role.CLERK)
    return Tenant(user, alice.store, _client_for(user))


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _celery_eager(request):  # type: ignore[no-untyped-def]
    """Tasks run in-process in unit tests even when CI sets a broker; tests marked
    `integration` talk to a real worker instead."""
    from lst.celery import app

    if "integration" in request.keywords:
        yield
        return
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests marked `postgres` need row locks and real concurrency: skipped on SQLite (the
    embedded default), run in CI where DATABASE_URL points at PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
