"""The nightly pipeline on real services: PostgreSQL, Redis and a separate Celery worker process,
including a worker killed in the middle of a run."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lst.celery import app
from recommendations.models import PurchaseSuggestion, RunChunk, TrainingRun
from recommendations.tasks import nightly_pipeline, resume_stalled_chunks
from stores.models import StockLevel, Store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


def _wait(what: str, check: Callable[[], bool], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_VISIBILITY_TIMEOUT="5",
        OMP_NUM_THREADS="1",
        RECOMMENDER_CHUNK_STORES="1",
        RECOMMENDER_MAX_TRAIN_ROWS="20000",
        RECOMMENDER_BOOSTING_ITERATIONS="30",
        MEDIA_ROOT=settings.MEDIA_ROOT,
    )
    return env


@pytest.fixture
def start_worker(worker_env: dict[str, str]) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lst",
                "worker",
                "--concurrency",
                "1",
                "--prefetch-multiplier",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture
def chain(settings, tmp_path) -> list[Store]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    app.control.purge()
    call_command(
        "seed_demo",
        stores=6,
        products=20,
        days=150,
        seed=4,
        end_date=timezone.localdate() - dt.timedelta(days=1),
        verbosity=0,
        stdout=io.StringIO(),
    )
    StockLevel.objects.update(on_hand=0)
    return list(Store.objects.order_by("pk"))


def _queue_run() -> int:
    """Send the nightly task to the broker (no result backend: the run row is the result)."""
    nightly_pipeline.delay(force_train=True)
    _wait("the worker to start the run", lambda: TrainingRun.objects.exists())
    return TrainingRun.objects.get().pk


def _one_set_per_store(stores: list[Store]) -> None:
    for store in stores:
        rows = PurchaseSuggestion.objects.filter(store=store)
        assert rows.exists(), f"no suggestions for {store.code}"
        assert rows.values("for_date").distinct().count() == 1
        pairs = list(rows.values_list("product_id", "kind"))
        assert len(pairs) == len(set(pairs)), f"duplicated suggestions for {store.code}"


def test_a_real_worker_scores_every_active_store(chain, start_worker) -> None:  # type: ignore[no-untyped-def]
    start_worker()
    run_id = _queue_run()
    _wait(
        "the run to finish",
        lambda: TrainingRun.objects.get(pk=run_id).status != TrainingRun.Status.RUNNING,
    )
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert (run.chunks_done, run.stores_done) == (6, 6)
    _one_set_per_store(chain)


def test_a_worker_killed_mid_run_leaves_exactly_one_suggestion_set_per_store(
    chain, start_worker
) -> None:  # type: ignore[no-untyped-def]
    worker = start_worker()
    run_id = _queue_run()
    # Kill the worker as soon as scoring has started and is not finished.
    _wait(
        "scoring to start", lambda: RunChunk.objects.filter(run_id=run_id, attempts__gt=0).exists()
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    done_before = RunChunk.objects.filter(run_id=run_id, status="done").count()
    assert done_before < 6, "the run finished before the worker could be killed"
    # A new worker: the lost message comes back (visibility timeout), and the sweeper re-sends
    # whatever is still pending; scoring a chunk twice changes nothing.
    start_worker()
    resume_stalled_chunks.delay(older_than_minutes=0)
    _wait(
        "the run to finish",
        lambda: TrainingRun.objects.get(pk=run_id).status == TrainingRun.Status.SUCCEEDED,
    )
    run = TrainingRun.objects.get(pk=run_id)
    assert (run.chunks_done, run.chunks_total, run.stores_done) == (6, 6, 6)
    _one_set_per_store(chain)
