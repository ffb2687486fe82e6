"""Every changelist costs a constant number of queries: adding stores adds no query (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import build_store, login
from .test_scoping import GLOBAL, SCOPED


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


LISTS = sorted(set(SCOPED) | (GLOBAL - {"auth.group"}))


@pytest.mark.parametrize("label", LISTS)
def test_changelist_query_count_is_constant(world, model_versions, label) -> None:  # type: ignore[no-untyped-def]
    app, model = label.split(".")
    url = reverse(f"admin:{app}_{model}_changelist")
    client = login(world.admin)
    before = _count(client, url)
    for i in range(4):
        build_store(f"hz-a-x{i}", world.hz_a, world.warehouse, world.product)
    assert _count(client, url) == before, label


@pytest.mark.parametrize(
    ("name", "expected"),
    [("stores_store", 9), ("replenishment_replenishmentorder", 11), ("stores_stocklevel", 7)],
)
def test_agent_changelist_queries_pinned(world, name, expected) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    assert _count(client, reverse(f"admin:{name}_changelist")) == expected


def test_overview_and_dashboard_are_constant(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.manager)
    url = reverse("admin:lst_territory_overview")
    before = _count(client, url)
    for i in range(4):
        build_store(f"hz-b-x{i}", world.hz_b, world.warehouse, world.product)
    assert _count(client, url) == before
