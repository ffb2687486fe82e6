"""Chunks whose message was lost or never sent: publishing stops quietly when the broker is down,
and the sweep (`resume_stalled_chunks`) sends each pending chunk once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from recommendations import tasks
from recommendations.models import ModelKind, ModelVersion, RunChunk, TrainingRun
from recommendations.services import runs


def _recording(out: list[int], options: list[dict[str, Any]] | None = None) -> Any:
    """A stand-in for `score_chunk.apply_async` that records the chunk ids (nothing runs)."""

    def apply_async(args: tuple[int], **kwargs: Any) -> object:
        out.append(args[0])
        if options is not None:
            options.append(kwargs)
        return object()

    return apply_async


@pytest.fixture
def sent(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Chunk ids handed to the broker."""
    out: list[int] = []
    monkeypatch.setattr(tasks.score_chunk, "apply_async", _recording(out))
    return out


@pytest.fixture
def broker_down(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    tried: list[int] = []

    def refuse(args: tuple[int], **kwargs: object) -> None:
        tried.append(args[0])
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.score_chunk, "apply_async", refuse)
    return tried


def _run(status: str = TrainingRun.Status.RUNNING, chunks: int = 3) -> list[RunChunk]:
    run = TrainingRun.objects.create(
        kind=ModelKind.FORECAST, status=status, started_at=timezone.now()
    )
    for i in range(chunks):
        RunChunk.objects.create(run=run, index=i, store_ids=[i + 1])
    return list(RunChunk.objects.filter(run=run).order_by("index"))


def _age(chunks: list[RunChunk], minutes: int) -> None:
    RunChunk.objects.filter(pk__in=[c.pk for c in chunks]).update(
        updated_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_publishing_stops_at_the_first_refusal_without_raising(broker_down) -> None:  # type: ignore[no-untyped-def]
    chunks = _run()
    assert tasks.chunks_send([c.pk for c in chunks]) == 0
    assert broker_down == [chunks[0].pk]  # no 7-second retry for each of thousands of chunks
    assert set(RunChunk.objects.values_list("status", flat=True)) == {RunChunk.Status.PENDING}


@pytest.mark.django_db
def test_publishing_retries_a_broker_that_blinks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ids: list[int] = []
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.score_chunk, "apply_async", _recording(ids, seen))
    assert tasks.chunks_send([1, 2]) == 2
    assert ids == [1, 2]
    assert seen[0]["retry"] is True
    assert seen[0]["retry_policy"] == runs.PUBLISH_RETRY


@pytest.mark.django_db
def test_the_sweep_sends_pending_chunks_of_running_runs_only(sent) -> None:  # type: ignore[no-untyped-def]
    stalled = _run()
    RunChunk.objects.filter(pk=stalled[0].pk).update(status=RunChunk.Status.DONE)
    finished = _run(status=TrainingRun.Status.SUCCEEDED)
    _age(stalled + finished, minutes=20)
    fresh = _run()  # just planned: its messages are on their way
    assert tasks.resume_stalled_chunks() == 2
    assert sent == [stalled[1].pk, stalled[2].pk]
    assert fresh[0].pk not in sent


@pytest.mark.django_db
def test_after_a_reconnect_chunks_not_sent_since_are_sent_at_once(sent) -> None:  # type: ignore[no-untyped-def]
    before = _run()  # planned a minute ago: the broker that held their messages restarted
    _age(before, minutes=1)
    back = timezone.now()
    after = _run()  # planned after the broker came back: their messages are safe
    assert tasks.resume_stalled_chunks(sent_before=back.isoformat()) == 3
    assert sent == [c.pk for c in before]
    assert not set(sent) & {c.pk for c in after}


@pytest.mark.django_db
def test_two_sweeps_send_each_chunk_once(sent) -> None:  # type: ignore[no-untyped-def]
    chunks = _run()
    _age(chunks, minutes=1)
    back = timezone.now().isoformat()
    assert tasks.resume_stalled_chunks(sent_before=back) == 3
    assert tasks.resume_stalled_chunks(sent_before=back) == 0  # a second worker's sweep
    assert sent == [c.pk for c in chunks]


@pytest.mark.django_db
def test_a_sweep_while_the_broker_is_still_down_leaves_the_chunks_for_the_next(
    broker_down, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    chunks = _run()
    _age(chunks, minutes=20)
    assert tasks.resume_stalled_chunks() == 0
    assert broker_down == [chunks[0].pk]
    # The claim was given back: the next sweep finds all three again.
    sent: list[int] = []
    monkeypatch.setattr(tasks.score_chunk, "apply_async", _recording(sent))
    assert tasks.resume_stalled_chunks() == 3
    assert sent == [c.pk for c in chunks]


@pytest.mark.django_db
def test_a_run_planned_while_the_broker_is_down_does_not_fail_and_the_sweep_sends_it(
    alice, bob, broker_down, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    ModelVersion.objects.create(
        kind=ModelKind.FORECAST,
        version=1,
        status=ModelVersion.Status.ACTIVE,
        trained_at=timezone.now(),  # fresh: the run only plans and publishes
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.nightly_pipeline()
    chunks = list(RunChunk.objects.filter(run_id=run_id).order_by("index"))
    assert len(chunks) == 1  # both stores in one chunk of 50
    assert broker_down == [chunks[0].pk]
    assert TrainingRun.objects.get(pk=run_id).status == TrainingRun.Status.RUNNING
    sent: list[int] = []
    monkeypatch.setattr(tasks.score_chunk, "apply_async", _recording(sent))
    assert tasks.resume_stalled_chunks(sent_before=timezone.now().isoformat()) == 1
    assert sent == [chunks[0].pk]


@pytest.mark.django_db
def test_lost_training_parts_are_sent_again_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(
        tasks.forecast_train_part,
        "apply_async",
        lambda args, **kwargs: sent.append(tuple(args)),
    )
    run = TrainingRun.objects.create(
        kind=ModelKind.FORECAST,
        status=TrainingRun.Status.RUNNING,
        started_at=timezone.now(),
        parts={"backtest": {"status": "done", "scores": {}}, "fit": {"status": "pending"}},
    )
    assert tasks.resume_stalled_chunks() == 0  # just planned: not stalled yet
    TrainingRun.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert tasks.resume_stalled_chunks() == 1
    assert sent == [(run.pk, "fit")]  # only the part still pending
    assert tasks.resume_stalled_chunks() == 0  # claimed: a second sweep does not resend it


@pytest.mark.django_db
def test_a_broker_outage_leaves_training_parts_pending(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(args: tuple[int, str], **kwargs: object) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.forecast_train_part, "apply_async", refuse)
    assert tasks.train_parts_send(7, ["backtest", "fit"]) == 0  # no exception after the commit
