"""The worker's consumer asks for a sweep of lost chunk messages on its first connection (a
worker restarted after a kill resumes its predecessor's chunk) and after every reconnect, and a
broker that refuses even that does not take the consumer down."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from lst.broker import SWEEPS_ON_RECONNECT, SweepOnReconnect
from lst.celery import app


class FakeApp:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def send_task(self, name: str, kwargs: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("still down")
        self.sent.append((name, kwargs))


def _consumer(restart_count: int, fail: bool = False) -> Any:
    return SimpleNamespace(restart_count=restart_count, app=FakeApp(fail))


def test_the_step_is_part_of_every_worker_consumer() -> None:
    assert SweepOnReconnect in app.steps["consumer"]


@pytest.mark.parametrize("restart_count", [0, 1])
def test_every_connection_sends_the_sweep_for_chunks_not_sent_since(restart_count: int) -> None:
    """restart_count 0: the first connection of a worker that replaces a killed one."""
    consumer = _consumer(restart_count=restart_count)
    before = dt.datetime.now(dt.UTC)
    SweepOnReconnect(consumer).start(consumer)
    assert [name for name, _ in consumer.app.sent] == list(SWEEPS_ON_RECONNECT)
    assert SWEEPS_ON_RECONNECT == ("lst.recommendations.resume_stalled_chunks",)
    since = dt.datetime.fromisoformat(consumer.app.sent[0][1]["sent_before"])
    assert before <= since <= dt.datetime.now(dt.UTC)


def test_a_broker_that_refuses_the_sweep_does_not_stop_the_consumer(caplog) -> None:  # type: ignore[no-untyped-def]
    consumer = _consumer(restart_count=2, fail=True)
    SweepOnReconnect(consumer).start(consumer)
    assert "could not send" in caplog.text
