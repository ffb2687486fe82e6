"""Fault drill: the broker (Redis) stops in the middle of a nightly run and comes back empty.

A private redis-server without persistence, a real Celery worker and the API under gunicorn on
it. While Redis is down the app keeps serving the previous suggestions and /readyz says the
broker is unavailable; when Redis is back on the same port the worker reconnects, sweeps the
chunks whose messages were lost (lst/broker.py) and the run completes with exactly one
suggestion set per active store.
"""

from __future__ import annotations

import shutil

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from lst.celery import app
from recommendations.models import PurchaseSuggestion, RunChunk, SuggestionStatus, TrainingRun
from recommendations.tasks import nightly_pipeline
from stores.models import StoreMembership
from tests.integration.support import (
    RedisServer,
    assert_one_set_per_active_store,
    http,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]


@pytest.fixture
def broker_url(private_redis: RedisServer) -> str:
    return private_redis.url


def _previous_run() -> int:
    """The previous run, in this process: score every store with the serving model (the set
    the app serves until the next run replaces it)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        run_id = int(nightly_pipeline.delay().get())
    finally:
        app.conf.task_always_eager = saved
    assert TrainingRun.objects.get(pk=run_id).status == TrainingRun.Status.SUCCEEDED
    return run_id


def test_redis_stopped_mid_run_serves_the_previous_suggestions_and_the_run_completes(
    chain, serving_model, private_redis, start_worker, start_api
) -> None:  # type: ignore[no-untyped-def]
    previous_run = _previous_run()
    last = chain[-1]  # its chunk is scored last
    owner = StoreMembership.objects.get(store=last, role=StoreMembership.Role.OWNER).user
    token = str(RefreshToken.for_user(owner).access_token)
    previous_ids = set(
        PurchaseSuggestion.objects.filter(
            store=last, run_id=previous_run, status=SuggestionStatus.PENDING
        ).values_list("pk", flat=True)
    )
    assert previous_ids

    start_worker()
    api = start_api()
    with app.connection_for_write(private_redis.url) as conn:
        # The model is fresh: this run only scores, one chunk (store) a task.
        app.send_task("lst.recommendations.nightly_pipeline", connection=conn)
    wait_for(
        "the run to be planned", lambda: RunChunk.objects.exclude(run_id=previous_run).exists()
    )
    run_id = RunChunk.objects.exclude(run_id=previous_run).values_list("run_id", flat=True)[0]
    wait_for(
        "scoring to start",
        lambda: RunChunk.objects.filter(run_id=run_id, attempts__gt=0).exists(),
        every=0.05,
    )

    private_redis.stop()  # every queued message is gone with it
    last_chunk = RunChunk.objects.get(run_id=run_id, store_ids=[last.pk])
    assert last_chunk.status == RunChunk.Status.PENDING, "the run finished before Redis stopped"

    suggestions = http(f"{api}/api/v1/stores/{last.pk}/suggestions/", token=token)
    assert suggestions.status == 200, suggestions.body
    assert {line["id"] for line in suggestions.json()["lines"]} == previous_ids
    ready = http(f"{api}/readyz")
    assert ready.status == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["broker"].startswith("error")
    assert http(f"{api}/healthz").status == 200
    assert RunChunk.objects.get(pk=last_chunk.pk).status == RunChunk.Status.PENDING

    private_redis.start()  # same port, empty
    wait_for(
        "the run to finish after Redis came back",
        lambda: TrainingRun.objects.get(pk=run_id).status != TrainingRun.Status.RUNNING,
        60,
    )
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert (run.chunks_done, run.chunks_total, run.stores_done) == (6, 6, 6)
    assert_one_set_per_active_store(run_id)
    assert http(f"{api}/readyz").status == 200
    fresh = http(f"{api}/api/v1/stores/{last.pk}/suggestions/", token=token).json()["lines"]
    assert fresh
    assert not {line["id"] for line in fresh} & previous_ids
