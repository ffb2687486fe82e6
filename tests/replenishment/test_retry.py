"""A deadlock or serialization failure is retried inside the service, never shown as a 5xx."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from lst.errors import Conflict
from replenishment import retry


class _PgError(Exception):
    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def _db_error(pgcode: str) -> OperationalError:
    exc = OperationalError("deadlock detected")
    exc.__cause__ = _PgError(pgcode)
    return exc


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(retry.time, "sleep", lambda s: None)


@pytest.mark.django_db
@pytest.mark.parametrize("pgcode", ["40P01", "40001"])
def test_a_deadlock_victim_runs_again(pgcode: str) -> None:
    calls = []

    @retry.retry_transaction
    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _db_error(pgcode)
        return "done"

    assert work() == "done"
    assert len(calls) == 3


@pytest.mark.django_db
def test_attempts_are_bounded_and_end_in_a_409() -> None:
    calls = []

    @retry.retry_transaction
    def work() -> None:
        calls.append(1)
        raise _db_error("40P01")

    with pytest.raises(Conflict) as err:
        work()
    assert err.value.code == "busy"
    assert len(calls) == retry.MAX_ATTEMPTS


@pytest.mark.django_db
def test_other_database_errors_are_not_retried() -> None:
    calls = []

    @retry.retry_transaction
    def work() -> None:
        calls.append(1)
        raise _db_error("08006")  # connection failure: the API turns it into a 503

    with pytest.raises(OperationalError):
        work()
    assert len(calls) == 1
