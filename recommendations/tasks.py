"""Celery tasks: thin wrappers taking ids, named lst.recommendations.<task>.

`nightly_pipeline` trains (at most once a night), then fans the stores out in chunks to
`score_chunk`, each idempotent and safe to redeliver (acks_late): a chunk's writes and its
"done" mark commit together.

A chunk whose message is lost (the broker restarted without its queue) or never sent (the broker
was down when the run was planned) stays pending in the database; `resume_stalled_chunks` sends
it again, when a worker's broker connection comes back (lst/broker.py) and every 10 minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)
RETRAIN_AFTER = dt.timedelta(hours=20)
#: Rides out a broker restart of a few seconds (about 7 s in all); a longer outage leaves the
#: chunks pending for `resume_stalled_chunks`.
PUBLISH_RETRY = {"max_retries": 4, "interval_start": 0.5, "interval_step": 1.0, "interval_max": 3.0}


@shared_task(name="lst.recommendations.nightly_pipeline", acks_late=True)
def nightly_pipeline(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Returns the training run id. `tz` limits scoring to the stores of one time zone (the beat
    schedule runs the pipeline at night in each zone that has stores).

    When a model is due, the training's parts (backtest, fit) go out as separate tasks, so
    several worker processes share them; the last to finish plans the scoring."""
    from recommendations.models import ModelKind
    from recommendations.services import pipeline, registry

    run = pipeline.run_start(kind=ModelKind.FORECAST)
    scope = {"store_ids": store_ids, "tz": tz}
    active = registry.active_model(ModelKind.FORECAST)
    if force_train or active is None or timezone.now() - active.trained_at > RETRAIN_AFTER:
        with transaction.atomic():
            parts = pipeline.forecast_train_plan(run=run, scope=scope)
            transaction.on_commit(partial(train_parts_send, run.pk, parts))
        return run.pk
    with transaction.atomic():
        pipeline.forecast_score_plan(run=run, version=active, scope=scope)
    return run.pk


@shared_task(
    name="lst.recommendations.forecast_train_part",
    acks_late=True,
    reject_on_worker_lost=True,
)
def forecast_train_part(run_id: int, part: str) -> None:
    """One part of a run's training (idempotent: a redelivered part that finished does nothing;
    one killed mid-way runs again)."""
    from recommendations.services import pipeline

    pipeline.forecast_train_part(run_id=run_id, part=part)


def train_parts_send(run_id: int, parts: list[str]) -> int:
    """Queue the run's training parts; returns how many were sent (see `_publish`)."""
    return _publish(forecast_train_part, [(run_id, part) for part in parts], "training part")


@shared_task(
    name="lst.recommendations.score_chunk",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=30,
)
def score_chunk(self: Any, chunk_id: int) -> bool:
    from recommendations.services import pipeline

    try:
        return pipeline.chunk_score(chunk_id=chunk_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            pipeline.chunk_failed(chunk_id=chunk_id, error=repr(exc))
            raise
        raise self.retry(exc=exc) from exc


def chunks_send(chunk_ids: Iterable[int]) -> int:
    """Queue `score_chunk` for these chunks; returns how many were sent (see `_publish`)."""
    return _publish(score_chunk, [(chunk_id,) for chunk_id in chunk_ids], "chunk")


def _publish(task: Any, calls: list[tuple[Any, ...]], what: str) -> int:
    """Queue `task` once per argument tuple, in order; returns how many were sent.

    Never raises for a broker outage: it stops at the first message the broker refuses (after
    PUBLISH_RETRY), and that one and the rest stay pending in the database for
    `resume_stalled_chunks`.
    """
    sent = 0
    for args in calls:
        try:
            task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
        except BrokerError as exc:
            logger.warning(
                "broker unavailable (%s): %s %s and any after it stay pending until "
                "resume_stalled_chunks sends them",
                exc.__class__.__name__,
                what,
                args,
            )
            break
        sent += 1
    return sent


@shared_task(name="lst.recommendations.resume_stalled_chunks", acks_late=True)
def resume_stalled_chunks(older_than_minutes: int = 15, sent_before: str | None = None) -> int:
    """Send again the pending chunks (and training parts) of running runs not sent since
    `sent_before` (an ISO time: a worker passes the moment its broker connection came back, when
    whatever the broker held may be gone) or for `older_than_minutes` (beat's sweep). Returns
    how many were sent.

    Each chunk is claimed by moving its `updated_at` forward before it is sent, so two sweeps
    at once send it once; a chunk sent twice anyway is scored once (`chunk_score`).
    """
    from recommendations.models import RunChunk, TrainingRun

    cutoff = parse_datetime(sent_before) if sent_before else None
    if cutoff is None:
        cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    stalled = RunChunk.objects.filter(
        status=RunChunk.Status.PENDING,
        run__status=TrainingRun.Status.RUNNING,
        updated_at__lt=cutoff,
    ).order_by("pk")
    sent = 0
    for chunk_id, touched in stalled.values_list("pk", "updated_at"):
        now = timezone.now()
        claimed = RunChunk.objects.filter(
            pk=chunk_id, status=RunChunk.Status.PENDING, updated_at=touched
        ).update(updated_at=now)
        if not claimed:
            continue  # another sweep sent it, or it is done
        if not chunks_send([chunk_id]):
            # The broker is down again: give the claim back so the next sweep sends it.
            RunChunk.objects.filter(pk=chunk_id, updated_at=now).update(updated_at=touched)
            break
        sent += 1
    sent += _resume_training_parts(cutoff)
    if sent:
        logger.info("re-sent %d stalled chunk(s) or training part(s)", sent)
    return sent


def _resume_training_parts(cutoff: dt.datetime) -> int:
    """Send again the pending training parts of running runs untouched since `cutoff` (a part
    that finishes touches its run, so a part still computing elsewhere is rarely re-sent; if it
    is, the first to finish records the result and the other stops there)."""
    from recommendations.models import TrainingRun
    from recommendations.services.pipeline import TRAIN_PARTS

    runs = TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING, chunks_total=0, updated_at__lt=cutoff
    ).order_by("pk")
    sent = 0
    for run_id, parts, touched in runs.values_list("pk", "parts", "updated_at"):
        pending = [p for p in TRAIN_PARTS if (parts or {}).get(p, {}).get("status") == "pending"]
        if not pending:
            continue
        now = timezone.now()
        if not TrainingRun.objects.filter(pk=run_id, updated_at=touched).update(updated_at=now):
            continue  # another sweep claimed it
        done = train_parts_send(run_id, pending)
        sent += done
        if done < len(pending):
            TrainingRun.objects.filter(pk=run_id, updated_at=now).update(updated_at=touched)
            break
    return sent


from recommendations.weekly import *  # noqa: E402, F403
