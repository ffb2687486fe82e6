"""Every recommender on a real worker started with CELERY_SKIP_CHECKS=1: without Django's system
checks nothing imports the URLconf (and, through it, the shelf views), so the worker knows the
kinds only from the static registry (`recommendations.services.recommenders`)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from django.conf import settings

from recommendations.models import (
    AssortmentSuggestion,
    ModelKind,
    ShelfPlan,
    TrainingRun,
)
from recommendations.services.recommenders import RECOMMENDERS
from recommendations.tasks import nightly_pipeline, weekly_assortment, weekly_shelf
from stores.models import Fixture
from tests.integration.support import assert_one_set_per_active_store, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


@pytest.fixture
def start_bare_worker(
    worker_env: dict[str, str], start_worker: Callable[[], subprocess.Popen[bytes]]
) -> Callable[[], subprocess.Popen[bytes]]:
    worker_env["CELERY_SKIP_CHECKS"] = "1"  # the start_worker fixture reads this same dict
    return start_worker


def _finished(run_id: int) -> TrainingRun:
    wait_for(
        f"run {run_id} to finish",
        lambda: TrainingRun.objects.get(pk=run_id).status != TrainingRun.Status.RUNNING,
    )
    return TrainingRun.objects.get(pk=run_id)


def _run_id_of(kind: str) -> int:
    wait_for(f"the worker to start a {kind} run", TrainingRun.objects.filter(kind=kind).exists)
    return TrainingRun.objects.get(kind=kind).pk


def test_a_worker_without_system_checks_runs_every_kind(
    chain, serving_model, start_bare_worker
) -> None:  # type: ignore[no-untyped-def]
    assert set(RECOMMENDERS) == {k.value for k in ModelKind}
    start_bare_worker()
    nightly_pipeline.delay()  # the serving model is fresh: scoring only
    weekly_shelf.delay(force_train=True)
    weekly_assortment.delay(force_train=True)
    runs = {kind: _finished(_run_id_of(kind)) for kind in ModelKind.values}
    for kind, run in runs.items():
        assert run.status == TrainingRun.Status.SUCCEEDED, (kind, run.error)
        assert (run.chunks_done, run.chunks_total, run.stores_done) == (6, 6, 6), kind
    assert_one_set_per_active_store(runs[ModelKind.FORECAST].pk)
    # Shelf: a plan of this run for fixtures of every store that has fixtures.
    plans = ShelfPlan.objects.filter(source=ShelfPlan.Source.RECOMMENDED, is_current=True)
    assert set(plans.values_list("run_id", flat=True)) == {runs[ModelKind.SHELF].pk}
    with_fixtures = set(Fixture.objects.values_list("store_id", flat=True))
    assert with_fixtures and set(plans.values_list("store_id", flat=True)) == with_fixtures
    # Assortment: whatever was suggested came from this run.
    pending = AssortmentSuggestion.objects.filter(status="pending")
    assert set(pending.values_list("run_id", flat=True)) <= {runs[ModelKind.ASSORTMENT].pk}
    for kind in (ModelKind.SHELF, ModelKind.ASSORTMENT):
        version = runs[kind].model_version
        assert version is not None and version.kind == kind
