"""The nightly pipeline on real services: PostgreSQL, Redis and a separate Celery worker process
that trains and scores, and a fault drill: the worker killed in the middle of a run's scoring."""

from __future__ import annotations

import os
import signal

import pytest
from django.conf import settings

from recommendations.models import RunChunk, TrainingRun
from recommendations.tasks import nightly_pipeline
from tests.integration.support import assert_one_set_per_active_store, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


def _queue_run(force_train: bool = True) -> int:
    """Send the nightly task to the broker (no result backend: the run row is the result)."""
    nightly_pipeline.delay(force_train=force_train)
    wait_for("the worker to start the run", lambda: TrainingRun.objects.exists())
    return TrainingRun.objects.get().pk


def test_a_real_worker_scores_every_active_store(chain, start_worker) -> None:  # type: ignore[no-untyped-def]
    start_worker()
    run_id = _queue_run()
    wait_for(
        "the run to finish",
        lambda: TrainingRun.objects.get(pk=run_id).status != TrainingRun.Status.RUNNING,
    )
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert (run.chunks_done, run.stores_done) == (6, 6)
    assert_one_set_per_active_store(run_id)


def test_a_worker_killed_mid_run_leaves_exactly_one_suggestion_set_per_store(
    chain, serving_model, worker_env, start_worker
) -> None:  # type: ignore[no-untyped-def]
    # The broker gives an unacknowledged message back after an hour, as in production (the
    # drills' 5 s would hide whether the new worker resumes by itself).
    worker_env["CELERY_VISIBILITY_TIMEOUT"] = "3600"
    worker = start_worker()
    run_id = _queue_run(force_train=False)  # the serving model is fresh: scoring only
    # Kill the worker as soon as scoring has started and is not finished.
    wait_for(
        "scoring to start",
        lambda: RunChunk.objects.filter(run_id=run_id, attempts__gt=0).exists(),
        every=0.05,
    )
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool process, mid-chunk
    worker.wait(timeout=30)
    done_before = RunChunk.objects.filter(run_id=run_id, status="done").count()
    assert done_before < 6, "the run finished before the worker could be killed"
    # A new worker, and nothing else: no beat, no sweep sent by hand, the broker's visibility
    # timeout (an hour) far away. Its first connection asks for a sweep of the chunks sent before
    # it (lst/broker.py), which re-sends the one its predecessor held; scoring twice changes nothing.
    start_worker()
    wait_for(
        "the run to finish",
        lambda: TrainingRun.objects.get(pk=run_id).status == TrainingRun.Status.SUCCEEDED,
        seconds=180,  # beat's sweep would come after 10-15 minutes
    )
    run = TrainingRun.objects.get(pk=run_id)
    assert (run.chunks_done, run.chunks_total, run.stores_done) == (6, 6, 6)
    assert_one_set_per_active_store(run_id)
