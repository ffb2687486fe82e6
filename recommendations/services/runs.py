"""The run and chunk machinery shared by every recommender (see `recommenders.RECOMMENDERS`).

A run (`TrainingRun`) trains the kind's model when it is due, then fans the stores in scope out
in chunks (`RunChunk`); each chunk is scored by the recommender's `score_chunk` and marked done
in ONE transaction, so a worker killed mid-chunk leaves nothing behind and the redelivered task
(acks_late) does the whole chunk again. Progress is counted in the database, so any worker can
report it, and the sweep (`stalled_resume`) sends again what a broker lost.

Nothing here sends a Celery message by itself: functions return what is to be sent (chunk ids,
training parts) and the task layer (`recommendations/tasks.py`) sends it once the transaction
commits, with `publish` and the callables it passes to `stalled_resume`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from threadpoolctl import threadpool_limits

from lst import metrics
from lst.celery_signals import WORKER_PROCESSES_ENV

from .. import data, progress
from ..models import RunChunk, TrainingRun
from . import registry

logger = logging.getLogger(__name__)

#: Rides out a broker restart of a few seconds (about 7 s in all); a longer outage leaves the
#: chunks pending for `stalled_resume`.
PUBLISH_RETRY = {"max_retries": 4, "interval_start": 0.5, "interval_step": 1.0, "interval_max": 3.0}


@dataclass(frozen=True)
class Scope:
    """Which stores a run scores: `store_ids` (None: every active store), limited to the stores
    of time zone `tz` when set (the beat schedule runs each job at night in each zone)."""

    store_ids: tuple[int, ...] | None = None
    tz: str | None = None

    @classmethod
    def of(cls, store_ids: Iterable[int] | None = None, tz: str | None = None) -> Scope:
        return cls(None if store_ids is None else tuple(int(i) for i in store_ids), tz or None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store_ids": None if self.store_ids is None else list(self.store_ids),
            "tz": self.tz,
        }


@dataclass(frozen=True)
class Started:
    """What a run's start leaves for the task layer to send once it commits: the training parts
    (each its own task; the last to finish plans the chunks) or the chunks to score."""

    run_id: int
    parts: tuple[str, ...] = ()
    chunk_ids: tuple[int, ...] = field(default_factory=tuple)


def chunk_size() -> int:
    return int(getattr(settings, "RECOMMENDER_CHUNK_STORES", 50))


def compute_threads() -> int | None:
    """OpenMP threads for fitting and forecasting in this process: RECOMMENDER_THREADS if set;
    in a Celery worker, the machine's cores shared among its pool processes (two processes on
    two cores each get one, instead of four threads fighting for two cores); else all cores."""
    configured = getattr(settings, "RECOMMENDER_THREADS", None)
    if configured:
        return int(configured)
    processes = os.environ.get(WORKER_PROCESSES_ENV, "")
    if processes.isdigit() and int(processes) > 0:
        return max(1, (os.cpu_count() or 1) // int(processes))
    return None


def run_start(*, kind: str) -> TrainingRun:
    return TrainingRun.objects.create(
        kind=kind, status=TrainingRun.Status.RUNNING, started_at=timezone.now()
    )


def record_timing(run: TrainingRun, step: str, seconds: float) -> None:
    run.timings = {**run.timings, step: round(seconds, 2)}
    TrainingRun.objects.filter(pk=run.pk).update(timings=run.timings, updated_at=timezone.now())
    metrics.observe_stage(kind=run.kind, stage=step, seconds=seconds)


def run_begin(*, kind: str, scope: Scope, force_train: bool = False) -> Started:
    """Start a run of `kind`: train its model when due (older than the recommender's
    `retrain_after`, none active, or `force_train`), then plan the chunks of the stores in
    `scope`. A recommender whose training goes out as parts returns them, and its last part
    plans the chunks. A failed training is recorded on the run; the active model keeps serving,
    and with none the run fails."""
    from .recommenders import recommender_for

    rec = recommender_for(kind)
    run = run_start(kind=kind)
    active = registry.active_model(kind)
    due = force_train or active is None or timezone.now() - active.trained_at > rec.retrain_after
    if due:
        began = time.perf_counter()
        try:
            parts = tuple(rec.fit(run=run, scope=scope))
        except Exception as exc:
            logger.exception("%s training failed", kind)
            if active is None:
                TrainingRun.objects.filter(pk=run.pk).update(
                    status=TrainingRun.Status.FAILED,
                    finished_at=timezone.now(),
                    error=f"training failed and no model serves: {exc}\n"
                    f"{traceback.format_exc(limit=5)}",
                )
                return Started(run.pk)
            TrainingRun.objects.filter(pk=run.pk).update(
                model_version=active,
                error=f"training failed, the active model keeps serving: {exc}",
            )
        else:
            if parts:
                return Started(run.pk, parts=parts)
            record_timing(run, "train", time.perf_counter() - began)
    else:
        TrainingRun.objects.filter(pk=run.pk).update(model_version=active)
    return Started(run.pk, chunk_ids=tuple(run_plan(run=run, scope=scope)))


def scope_store_ids(scope: Scope) -> list[int]:
    """The stores a run in `scope` scores, in id order."""
    from stores.models import Store

    ids = list(scope.store_ids) if scope.store_ids is not None else data.active_store_ids()
    if scope.tz:
        ids = list(Store.objects.filter(pk__in=ids, timezone=scope.tz).values_list("pk", flat=True))
    return sorted(ids)


def run_plan(*, run: TrainingRun, scope: Scope) -> list[int]:
    """Plan the run's chunks with its recommender's `plan_chunks` (a run with nothing to score
    succeeds at once); returns the chunk ids to send once the caller's transaction commits."""
    from .recommenders import recommender_for

    with transaction.atomic():
        chunks = recommender_for(run.kind).plan_chunks(run=run, scope=scope)
        if not chunks:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now()
            )
    return [c.pk for c in chunks]


def plan_store_chunks(*, run: TrainingRun, scope: Scope) -> list[RunChunk]:
    """The stores in `scope`, `RECOMMENDER_CHUNK_STORES` a chunk (every recommender's
    `plan_chunks` today)."""
    return run_plan_chunks(run=run, store_ids=scope_store_ids(scope), chunk_size=chunk_size())


def run_plan_chunks(
    *, run: TrainingRun, store_ids: Sequence[int], chunk_size: int
) -> list[RunChunk]:
    ids = list(store_ids)
    chunks = [
        RunChunk(run=run, index=i, store_ids=ids[k : k + chunk_size])
        for i, k in enumerate(range(0, len(ids), chunk_size))
    ]
    RunChunk.objects.bulk_create(chunks)
    TrainingRun.objects.filter(pk=run.pk).update(
        chunks_total=len(chunks), stores_total=len(ids), updated_at=timezone.now()
    )
    return list(RunChunk.objects.filter(run=run).order_by("index"))


def chunk_score(*, chunk_id: int, now: dt.datetime | None = None) -> bool:
    """Process one chunk with its run's recommender; True when it did the work, False when the
    chunk was already done.

    The chunk row is locked for the whole transaction, so a duplicate delivery running at the
    same time waits and then finds it done; the recommender's writes and the done mark commit
    together or not at all.
    """
    from .recommenders import recommender_for

    now = now or timezone.now()
    RunChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
    with transaction.atomic():
        chunk = (
            RunChunk.objects.select_for_update(of=("self",))
            .select_related("run", "run__model_version")
            .get(pk=chunk_id)
        )
        if chunk.status == RunChunk.Status.DONE:
            return False
        began = time.perf_counter()
        with threadpool_limits(limits=compute_threads()):
            recommender_for(chunk.run.kind).score_chunk(chunk, now)
        RunChunk.objects.filter(pk=chunk.pk).update(
            status=RunChunk.Status.DONE, finished_at=timezone.now(), error=""
        )
        _refresh_progress(chunk.run_id, kind=chunk.run.kind)
    metrics.observe_chunk(kind=chunk.run.kind, seconds=time.perf_counter() - began)
    return True


def _refresh_progress(run_id: int, *, kind: str) -> None:
    done = RunChunk.objects.filter(run_id=run_id, status=RunChunk.Status.DONE)
    stores_done = sum(len(ids) for ids in done.values_list("store_ids", flat=True))
    counts = RunChunk.objects.filter(run_id=run_id).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=RunChunk.Status.DONE)),
        planned_at=Min("created_at"),
    )
    finished = counts["done"] == counts["total"]
    update: dict[str, Any] = {
        "chunks_done": counts["done"],
        "stores_done": stores_done,
        "updated_at": timezone.now(),
    }
    progress.report("scoring stores", counts["done"], counts["total"])
    if finished:
        update.update(status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now())
        # The score stage: from the chunks being planned to the last one done, on any worker.
        seconds = (update["finished_at"] - counts["planned_at"]).total_seconds()
        transaction.on_commit(
            lambda: metrics.observe_stage(kind=kind, stage="score", seconds=seconds)
        )
    TrainingRun.objects.filter(pk=run_id).update(**update)


def chunk_failed(*, chunk_id: int, error: str) -> None:
    RunChunk.objects.filter(pk=chunk_id).exclude(status=RunChunk.Status.DONE).update(
        status=RunChunk.Status.FAILED, error=error[:2000]
    )
    run_id = RunChunk.objects.values_list("run_id", flat=True).get(pk=chunk_id)
    TrainingRun.objects.filter(pk=run_id).update(
        status=TrainingRun.Status.FAILED,
        finished_at=timezone.now(),
        error=f"chunk {chunk_id} failed: {error[:500]}",
    )


# --- publishing and the sweep ---------------------------------------------------------------


def publish(task: Any, calls: Sequence[tuple[Any, ...]], what: str) -> int:
    """Queue `task` once per argument tuple, in order; returns how many were sent.

    Never raises for a broker outage: it stops at the first message the broker refuses (after
    PUBLISH_RETRY), and that one and the rest stay pending in the database for the sweep.
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


def stalled_resume(
    *,
    cutoff: dt.datetime,
    send_chunks: Callable[[list[int]], int],
    send_parts: Callable[[int, list[str]], int],
) -> int:
    """Send again the pending chunks (and training parts) of running runs not sent since
    `cutoff`; returns how many were sent.

    Each chunk is claimed by moving its `updated_at` forward before it is sent, so two sweeps
    at once send it once; a chunk sent twice anyway is scored once (`chunk_score`).
    """
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
        if not send_chunks([chunk_id]):
            # The broker is down again: give the claim back so the next sweep sends it.
            RunChunk.objects.filter(pk=chunk_id, updated_at=now).update(updated_at=touched)
            break
        sent += 1
    sent += _resume_training_parts(cutoff, send_parts)
    if sent:
        logger.info("re-sent %d stalled chunk(s) or training part(s)", sent)
    return sent


def _resume_training_parts(cutoff: dt.datetime, send_parts: Callable[[int, list[str]], int]) -> int:
    """Send again the pending training parts of running runs untouched since `cutoff` (a part
    that finishes touches its run, so a part still computing elsewhere is rarely re-sent; if it
    is, the first to finish records the result and the other stops there)."""
    runs = TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING, chunks_total=0, updated_at__lt=cutoff
    ).order_by("pk")
    sent = 0
    for run_id, parts, touched in runs.values_list("pk", "parts", "updated_at"):
        pending = [
            name
            for name, part in (parts or {}).items()
            if isinstance(part, dict) and part.get("status") == "pending"
        ]
        if not pending:
            continue
        now = timezone.now()
        if not TrainingRun.objects.filter(pk=run_id, updated_at=touched).update(updated_at=now):
            continue  # another sweep claimed it
        done = send_parts(run_id, pending)
        sent += done
        if done < len(pending):
            TrainingRun.objects.filter(pk=run_id, updated_at=now).update(updated_at=touched)
            break
    return sent
