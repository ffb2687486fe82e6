"""Registrations of one kind at the same moment (two time zones' beat entries, a manual run):
distinct versions, each pointing at its own intact artifact (PostgreSQL advisory lock)."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection

from recommendations.models import ModelKind, ModelVersion
from recommendations.services import registry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


def _payload(i: int) -> dict[str, Any]:
    # Big enough that pickling takes a while, different in every thread.
    return {"thread": i, "weights": [i * 1000 + k for k in range(200_000)]}


def _register_at_once(n: int, register: Callable[[int], ModelVersion]) -> list[Any]:
    """Call `register(i)` from n threads released together; each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = register(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _register(i: int) -> ModelVersion:
    return registry.model_register(
        kind=ModelKind.SHELF,
        model=_payload(i),
        parameters={"thread": i},
        metrics={},
        data_start=dt.date(2026, 1, 1),
        data_end=dt.date(2026, 6, 30),
    )


def test_concurrent_registrations_get_distinct_versions_and_keep_their_artifacts() -> None:
    results = _register_at_once(THREADS, _register)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    rows = list(ModelVersion.objects.filter(kind=ModelKind.SHELF).order_by("version"))
    assert [v.version for v in rows] == list(range(1, THREADS + 1))
    assert len({v.artifact for v in rows}) == THREADS
    for v in rows:
        with open(v.artifact, "rb") as fh:
            model = pickle.load(fh)  # noqa: S301 - written by this test
        assert model == _payload(v.parameters["thread"])
    files = sorted(p.name for p in Path(rows[0].artifact).parent.iterdir())
    assert len(files) == THREADS and not [f for f in files if f.endswith(".tmp")]


def test_without_the_lock_the_same_version_is_computed_twice(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Shows the test above can fail: with the lock gone (what `select_for_update()` on an
    aggregate amounted to) and every thread reading the last version before any writes, all
    but one registration hit the unique (kind, version) constraint."""
    n = 3
    read = threading.Barrier(n)
    real_next = registry._next_version

    def racing_next(kind: str) -> int:
        version = real_next(kind)
        read.wait(timeout=30)
        return version

    monkeypatch.setattr(registry, "_lock_versions", lambda kind: None)
    monkeypatch.setattr(registry, "_next_version", racing_next)
    results = _register_at_once(n, _register)
    assert sum(isinstance(r, IntegrityError) for r in results) == n - 1
    assert list(ModelVersion.objects.values_list("version", flat=True)) == [1]
    # The losers' artifacts were removed with their rows; the winner's is its own.
    (winner,) = ModelVersion.objects.all()
    assert len(list(Path(winner.artifact).parent.iterdir())) == 1
