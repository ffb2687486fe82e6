"""The nightly pipeline end to end on a small seeded chain (eager Celery)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from recommendations.engine.forecast import PromotionDecision
from recommendations.models import ModelVersion, PurchaseSuggestion, RunChunk, TrainingRun
from recommendations.services import pipeline, runs
from recommendations.tasks import nightly_pipeline
from stores.models import StockLevel, Store

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def chain(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    settings.RECOMMENDER_CHUNK_STORES = 2
    settings.RECOMMENDER_MAX_TRAIN_ROWS = 20_000
    settings.RECOMMENDER_BOOSTING_ITERATIONS = 30
    call_command(
        "seed_demo",
        stores=5,
        products=24,
        days=150,
        seed=2,
        end_date=timezone.localdate() - dt.timedelta(days=1),
        verbosity=0,
        stdout=io.StringIO(),
    )
    # Empty shelves everywhere, so every line that sells needs an order.
    StockLevel.objects.update(on_hand=0)
    return list(Store.objects.order_by("pk"))


@pytest.fixture
def run_nightly(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """The pipeline as a worker would see it: chunk tasks are sent once the run commits."""

    def run(**kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            run_id = nightly_pipeline(force_train=True, **kwargs)
        return TrainingRun.objects.get(pk=run_id)

    return run


def _sets_per_store() -> dict[int, int]:
    out: dict[int, set[dt.date]] = {}
    for store_id, for_date in PurchaseSuggestion.objects.values_list("store_id", "for_date"):
        out.setdefault(store_id, set()).add(for_date)
    return {k: len(v) for k, v in out.items()}


def test_a_run_trains_promotes_and_scores_every_active_store(chain, run_nightly) -> None:  # type: ignore[no-untyped-def]
    run = run_nightly()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert (run.chunks_done, run.chunks_total, run.stores_done) == (3, 3, 5)
    version = run.model_version
    assert version is not None and version.status == ModelVersion.Status.ACTIVE
    assert {"seasonal_naive", "global"} <= set(version.metrics["backtest"])
    assert _sets_per_store() == {s.pk: 1 for s in chain}
    for s in PurchaseSuggestion.objects.all():
        assert s.quantity > 0 and s.quantity % s.case_pack == 0
        assert s.on_hand == 0 and s.reason.next_delivery is not None


def test_a_chunk_done_twice_leaves_one_suggestion_set(chain, run_nightly) -> None:  # type: ignore[no-untyped-def]
    run_nightly()
    before = sorted(
        PurchaseSuggestion.objects.values_list("store_id", "product_id", "kind", "quantity")
    )
    chunk = RunChunk.objects.order_by("index").first()
    assert chunk is not None
    assert runs.chunk_score(chunk_id=chunk.pk) is False  # already done: nothing happens
    # A redelivered message after a crash between the writes and the ack: the chunk runs again.
    RunChunk.objects.filter(pk=chunk.pk).update(status=RunChunk.Status.PENDING)
    assert runs.chunk_score(chunk_id=chunk.pk) is True
    after = sorted(
        PurchaseSuggestion.objects.values_list("store_id", "product_id", "kind", "quantity")
    )
    assert after == before
    assert TrainingRun.objects.get().chunks_done == 3


def test_a_failed_training_leaves_the_active_model_serving(chain, run_nightly, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = run_nightly().model_version

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "fit", broken)
    run = run_nightly()
    assert "training failed" in run.error and "disk full" in run.error
    assert run.status == TrainingRun.Status.SUCCEEDED  # scored with the previous model
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE) == first
    assert ModelVersion.objects.count() == 1
    assert _sets_per_store() == {s.pk: 1 for s in chain}


def test_a_worse_candidate_is_registered_but_rejected(chain, run_nightly, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = run_nightly().model_version
    monkeypatch.setattr(
        pipeline,
        "compare_models",
        lambda *a, **k: PromotionDecision(
            promote=False,
            reasons=("worse than the previous model",),
            ratio_to_best_baseline=1.2,
            ratio_to_previous=1.1,
        ),
    )
    run_nightly()
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE) == first
    rejected = ModelVersion.objects.get(status=ModelVersion.Status.REJECTED)
    assert rejected.version == 2 and "worse than the previous model" in rejected.note


@pytest.mark.django_db(transaction=True)
def test_the_command_skips_when_today_is_done(chain) -> None:  # type: ignore[no-untyped-def]
    # Committed transactions, as on the command line: the training parts and chunks sent on
    # commit run in-process (eager) before the command reports.
    out = io.StringIO()
    call_command("run_pipeline", stdout=out)
    assert "model forecast v1 (active)" in out.getvalue()
    # Not silent while it trains: each step is shown as it starts, then the scoring bar.
    shown = out.getvalue()
    steps = ["backtest: loading sales", "backtest: the model beside", "fit: loading sales", "fit: "]
    assert all(step in shown for step in steps), shown
    assert shown.index("backtest: the model beside") < shown.index("fit: loading sales")
    assert "stores:" in shown and "chunk" in shown
    assert TrainingRun.objects.get().status == TrainingRun.Status.SUCCEEDED
    out = io.StringIO()
    call_command("run_pipeline", if_needed=True, stdout=out)
    assert "skipped" in out.getvalue()


def test_training_runs_as_two_parts_and_a_redelivered_part_does_nothing(chain, run_nightly) -> None:  # type: ignore[no-untyped-def]
    run = run_nightly()
    assert {p: run.parts[p]["status"] for p in pipeline.TRAIN_PARTS} == {
        "backtest": "done",
        "fit": "done",
    }
    assert run.parts["fit"]["version"] == run.model_version.pk
    assert {"load", "backtest", "fit_load", "train"} <= set(run.timings)
    # A part's message delivered again after the run finished: no second version, no rescoring.
    pipeline.forecast_train_part(run_id=run.pk, part="fit")
    pipeline.forecast_train_part(run_id=run.pk, part="backtest")
    assert ModelVersion.objects.count() == 1
    assert RunChunk.objects.count() == 3
    assert _sets_per_store() == {s.pk: 1 for s in chain}


def test_a_failed_backtest_keeps_the_active_model_and_rejects_the_new_fit(  # type: ignore[no-untyped-def]
    chain, run_nightly, monkeypatch
) -> None:
    first = run_nightly().model_version

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("backtest out of memory")

    monkeypatch.setattr(pipeline, "backtest", broken)
    run = run_nightly()
    assert "backtest out of memory" in run.error
    assert run.status == TrainingRun.Status.SUCCEEDED  # scored with the previous model
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE) == first
    rejected = ModelVersion.objects.get(status=ModelVersion.Status.REJECTED)
    assert "the backtest failed" in rejected.note
    assert _sets_per_store() == {s.pk: 1 for s in chain}


def test_worker_processes_share_the_cores_for_model_threads(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    settings.RECOMMENDER_THREADS = None
    monkeypatch.delenv("LST_WORKER_PROCESSES", raising=False)
    assert runs.compute_threads() is None  # not in a worker: all cores
    monkeypatch.setenv("LST_WORKER_PROCESSES", "2")
    assert runs.compute_threads() == 4
    monkeypatch.setenv("LST_WORKER_PROCESSES", "16")
    assert runs.compute_threads() == 1
    settings.RECOMMENDER_THREADS = 3  # the operator's setting wins
    assert runs.compute_threads() == 3


def test_the_admin_shows_a_training_runs_parts_until_the_chunks_exist() -> None:
    from django.contrib import admin

    from recommendations.admin import TrainingRunAdmin

    run = TrainingRun.objects.create(
        kind="forecast",
        status=TrainingRun.Status.RUNNING,
        parts={"backtest": {"status": "done", "scores": {}}, "fit": {"status": "pending"}},
    )
    model_admin = admin.site._registry[TrainingRun]
    assert isinstance(model_admin, TrainingRunAdmin)
    assert model_admin.progress(run) == "backtest: done, fit: pending"
    run.chunks_total, run.chunks_done = 4, 1
    assert "1/4" in model_admin.progress(run)
    assert "parts" in model_admin.readonly_fields
