"""The worker's consumer asks for a sweep of lost chunk messages after a reconnect (not on its
first connection), and a broker that refuses even that does not take the consumer down."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

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


def test_the_first_connection_sends_nothing() -> None:
    consumer = _consumer(restart_count=0)
    SweepOnReconnect(consumer).start(consumer)
    assert consumer.app.sent == []


def test_a_reconnect_sends_the_sweep_for_chunks_not_sent_since() -> None:
    consumer = _consumer(restart_count=1)
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
