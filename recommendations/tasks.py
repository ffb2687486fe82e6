"""Celery tasks: thin wrappers taking ids, named lst.recommendations.<task>.

Each job (`nightly_pipeline`, `weekly_shelf`, `weekly_assortment`) starts a run of its
recommender (`services.runs.run_begin`): the model is trained when due, then the stores fan out
in chunks to `score_chunk`, each idempotent and safe to redeliver (acks_late): a chunk's writes
and its "done" mark commit together. The services decide what is to be sent and return it; this
module sends it once their transaction commits. No service imports this module.

A chunk whose message is lost (the broker restarted without its queue) or never sent (the broker
was down when the run was planned) stays pending in the database; `resume_stalled_chunks` sends
it again, when a worker's broker connection comes back (lst/broker.py) and every 10 minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def _start(kind: str, store_ids: list[int] | None, tz: str | None, force_train: bool) -> int:
    from recommendations.services import runs

    started = runs.run_begin(kind=kind, scope=runs.Scope.of(store_ids, tz), force_train=force_train)
    if started.parts:
        transaction.on_commit(partial(train_parts_send, started.run_id, list(started.parts)))
    if started.chunk_ids:
        transaction.on_commit(partial(chunks_send, list(started.chunk_ids)))
    return started.run_id


@shared_task(name="lst.recommendations.nightly_pipeline", acks_late=True)
def nightly_pipeline(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Returns the training run id. `tz` limits scoring to the stores of one time zone (the beat
    schedule runs the pipeline at night in each zone that has stores).

    When a model is due, the training's parts (backtest, fit) go out as separate tasks, so
    several worker processes share them; the last to finish plans the scoring."""
    from recommendations.models import ModelKind

    return _start(ModelKind.FORECAST, store_ids, tz, force_train)


@shared_task(name="lst.recommendations.weekly_shelf", acks_late=True)
def weekly_shelf(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Estimate the space response, then plan every fixture of the stores (of zone `tz`).
    Returns the run id."""
    from recommendations.models import ModelKind

    return _start(ModelKind.SHELF, store_ids, tz, force_train)


@shared_task(name="lst.recommendations.weekly_assortment", acks_late=True)
def weekly_assortment(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Fit the assortment model, then suggest adds and drops for the stores (of zone `tz`).
    Returns the run id."""
    from recommendations.models import ModelKind

    return _start(ModelKind.ASSORTMENT, store_ids, tz, force_train)


@shared_task(
    name="lst.recommendations.forecast_train_part",
    acks_late=True,
    reject_on_worker_lost=True,
)
def forecast_train_part(run_id: int, part: str) -> None:
    """One part of a run's training (idempotent: a redelivered part that finished does nothing;
    one killed mid-way runs again). The last part to finish plans the scoring chunks."""
    from recommendations.services import pipeline

    chunk_ids = pipeline.forecast_train_part(run_id=run_id, part=part)
    if chunk_ids:
        transaction.on_commit(partial(chunks_send, chunk_ids))


def train_parts_send(run_id: int, parts: list[str]) -> int:
    """Queue the run's training parts; returns how many were sent (see `runs.publish`)."""
    from recommendations.services import runs

    return runs.publish(forecast_train_part, [(run_id, part) for part in parts], "training part")


@shared_task(
    name="lst.recommendations.score_chunk",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=30,
)
def score_chunk(self: Any, chunk_id: int) -> bool:
    from recommendations.services import runs

    try:
        return runs.chunk_score(chunk_id=chunk_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            runs.chunk_failed(chunk_id=chunk_id, error=repr(exc))
            raise
        raise self.retry(exc=exc) from exc


def chunks_send(chunk_ids: Iterable[int]) -> int:
    """Queue `score_chunk` for these chunks; returns how many were sent (see `runs.publish`)."""
    from recommendations.services import runs

    return runs.publish(score_chunk, [(chunk_id,) for chunk_id in chunk_ids], "chunk")


@shared_task(name="lst.recommendations.resume_stalled_chunks", acks_late=True)
def resume_stalled_chunks(older_than_minutes: int = 15, sent_before: str | None = None) -> int:
    """Send again the pending chunks (and training parts) of running runs not sent since
    `sent_before` (an ISO time: a worker passes the moment its broker connection came back, when
    whatever the broker held may be gone) or for `older_than_minutes` (beat's sweep). Returns
    how many were sent (see `runs.stalled_resume`)."""
    from recommendations.services import runs

    cutoff = parse_datetime(sent_before) if sent_before else None
    if cutoff is None:
        cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    return runs.stalled_resume(cutoff=cutoff, send_chunks=chunks_send, send_parts=train_parts_send)
