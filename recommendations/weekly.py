"""The weekly Celery jobs: shelf plans and assortment suggestions.

Each trains once (the space response / the assortment model, registered and promoted through
the model registry, reused for a few days when already fresh), then fans the stores out in
chunks to the shared `lst.recommendations.score_chunk` task, which runs the handler registered
for the run's kind (`services.shelf`, `services.assortment`) and marks the chunk done in the
same transaction: same runs, chunks, progress and idempotency as the nightly pipeline.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
RETRAIN_AFTER = dt.timedelta(days=6)

__all__ = ["weekly_assortment", "weekly_shelf"]


def _weekly(kind: str, store_ids: list[int] | None, tz: str | None, force_train: bool) -> int:
    from recommendations import data
    from recommendations.models import ModelKind, TrainingRun
    from recommendations.services import assortment, pipeline, registry, shelf
    from recommendations.tasks import chunks_send
    from stores.models import Store

    trainers: dict[str, Callable[..., object]] = {
        ModelKind.SHELF: shelf.shelf_response_fit,
        ModelKind.ASSORTMENT: assortment.assortment_fit,
    }
    train = trainers[kind]
    run = pipeline.run_start(kind=kind)
    active = registry.active_model(kind)
    if force_train or active is None or timezone.now() - active.trained_at > RETRAIN_AFTER:
        began = time.perf_counter()
        try:
            train(run=run)
            pipeline.record_timing(run, "train", time.perf_counter() - began)
        except Exception as exc:
            logger.exception("weekly %s training failed", kind)
            if active is None:
                TrainingRun.objects.filter(pk=run.pk).update(
                    status=TrainingRun.Status.FAILED,
                    finished_at=timezone.now(),
                    error=f"training failed and no model serves: {exc}\n"
                    f"{traceback.format_exc(limit=5)}",
                )
                return run.pk
            TrainingRun.objects.filter(pk=run.pk).update(
                model_version=active,
                error=f"training failed, the active model keeps serving: {exc}",
            )
    else:
        TrainingRun.objects.filter(pk=run.pk).update(model_version=active)
    ids = store_ids if store_ids is not None else data.active_store_ids()
    if tz:
        ids = list(Store.objects.filter(pk__in=ids, timezone=tz).values_list("pk", flat=True))
    chunk_size = pipeline.pipeline_config().chunk_size
    with transaction.atomic():
        chunks = pipeline.run_plan_chunks(run=run, store_ids=sorted(ids), chunk_size=chunk_size)
        if not chunks:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now()
            )
        transaction.on_commit(partial(chunks_send, [c.pk for c in chunks]))
    return run.pk


@shared_task(name="lst.recommendations.weekly_shelf", acks_late=True)
def weekly_shelf(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Estimate the space response, then plan every fixture of the stores (of zone `tz`).
    Returns the run id."""
    from recommendations.models import ModelKind

    return _weekly(ModelKind.SHELF, store_ids, tz, force_train)


@shared_task(name="lst.recommendations.weekly_assortment", acks_late=True)
def weekly_assortment(
    store_ids: list[int] | None = None, tz: str | None = None, force_train: bool = False
) -> int:
    """Fit the assortment model, then suggest adds and drops for the stores (of zone `tz`).
    Returns the run id."""
    from recommendations.models import ModelKind

    return _weekly(ModelKind.ASSORTMENT, store_ids, tz, force_train)
