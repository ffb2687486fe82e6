"""Celery tasks: thin wrappers taking ids, named lst.recommendations.<task>.

`nightly_pipeline` trains (at most once a night), then fans the stores out in chunks to
`score_chunk`, each idempotent and safe to redeliver (acks_late): a chunk's writes and its
"done" mark commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
RETRAIN_AFTER = dt.timedelta(hours=20)


@shared_task(name="lst.recommendations.nightly_pipeline", acks_late=True)
def nightly_pipeline(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Returns the training run id. `tz` limits scoring to the stores of one time zone (the beat
    schedule runs the pipeline at night in each zone that has stores)."""
    from recommendations import data
    from recommendations.models import ModelKind, TrainingRun
    from recommendations.services import pipeline, registry
    from stores.models import Store

    cfg = pipeline.pipeline_config()
    run = pipeline.run_start(kind=ModelKind.FORECAST)
    active = registry.active_model(ModelKind.FORECAST)
    if force_train or active is None or timezone.now() - active.trained_at > RETRAIN_AFTER:
        version = pipeline.forecast_train(run=run, config=cfg)
    else:
        version = active
        TrainingRun.objects.filter(pk=run.pk).update(model_version=active)
    if version is None:
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED, finished_at=timezone.now()
        )
        return run.pk
    ids = store_ids if store_ids is not None else data.active_store_ids()
    if tz:
        ids = list(Store.objects.filter(pk__in=ids, timezone=tz).values_list("pk", flat=True))
    with transaction.atomic():
        chunks = pipeline.run_plan_chunks(run=run, store_ids=sorted(ids), chunk_size=cfg.chunk_size)
        if not chunks:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now()
            )
        for chunk in chunks:
            transaction.on_commit(lambda cid=chunk.pk: score_chunk.delay(cid))
    return run.pk


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


@shared_task(name="lst.recommendations.resume_stalled_chunks", acks_late=True)
def resume_stalled_chunks(older_than_minutes: int = 15) -> int:
    """Send again the chunks of running runs left pending (a broker outage lost their message)."""
    from recommendations.models import RunChunk, TrainingRun

    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    stalled = list(
        RunChunk.objects.filter(
            status=RunChunk.Status.PENDING,
            run__status=TrainingRun.Status.RUNNING,
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for chunk_id in stalled:
        RunChunk.objects.filter(pk=chunk_id).update(updated_at=timezone.now())
        score_chunk.delay(chunk_id)
    return len(stalled)


from recommendations.weekly import *  # noqa: E402, F403
