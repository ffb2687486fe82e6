"""Fixtures of the integration tests and fault drills: a small seeded chain, the environment of
the project's processes (worker, API server) pointing at the test database, and factories that
start those processes and end them after the test."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from lst.celery import app
from recommendations import data
from recommendations.engine.forecast import fit
from recommendations.models import ModelKind, ModelVersion
from recommendations.services import pipeline, registry
from stores.models import StockLevel, Store
from tests.integration.support import (
    ROOT,
    RedisServer,
    celery_worker_command,
    database_url,
    free_port,
    http,
    wait_for,
)

#: Training knobs small enough for a drill on a busy 2-core machine (worker and test process).
SMALL_PIPELINE = {
    "RECOMMENDER_CHUNK_STORES": 1,
    "RECOMMENDER_MAX_TRAIN_ROWS": 20000,
    "RECOMMENDER_BOOSTING_ITERATIONS": 30,
}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own, for drills that kill and restart it (a module points
    `broker_url` at it when the broker is to go down too)."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_url() -> str:
    """The broker the worker and the API server use; a drill with its own Redis overrides it."""
    return str(django_settings.CELERY_BROKER_URL)


@pytest.fixture
def media_root(settings, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return str(settings.MEDIA_ROOT)


@pytest.fixture
def small_pipeline(settings) -> None:  # type: ignore[no-untyped-def]
    for name, value in SMALL_PIPELINE.items():
        setattr(settings, name, value)


@pytest.fixture
def worker_env(broker_url: str, media_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url,
        CELERY_VISIBILITY_TIMEOUT="5",
        OMP_NUM_THREADS="1",
        MEDIA_ROOT=media_root,
        **{name: str(value) for name, value in SMALL_PIPELINE.items()},
    )
    return env


def _end(procs: list[subprocess.Popen[bytes]]) -> None:
    """Kill each process with its children (gunicorn's and Celery's pool processes): each was
    started in a session of its own."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture
def start_worker(worker_env: dict[str, str]) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Starts a Celery worker (one process, one message at a time) on the broker."""
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            celery_worker_command(concurrency=1),
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    yield start
    _end(procs)


@pytest.fixture
def start_api(worker_env: dict[str, str]) -> Iterator[Callable[..., str]]:
    """Starts the API under gunicorn (one sync worker) on a free port; returns its base URL.
    Keyword arguments override the environment (DATABASE_URL=... through a proxy)."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lst.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**worker_env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert proc.poll() is None, "the API server exited"
            try:
                return http(f"{base}/healthz").status == 200
            except OSError:
                return False

        wait_for("the API server", up, 180)
        return base

    yield start
    _end(procs)


@pytest.fixture
def chain(media_root: str) -> list[Store]:
    """Six stores, 20 products, 150 days of sales; nothing on hand, so every product is suggested."""
    if django_settings.CELERY_BROKER_URL:
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


@pytest.fixture
def serving_model(chain: list[Store], small_pipeline: None) -> ModelVersion:
    """A moving-average forecaster fitted on the chain, registered and active, so runs score
    without training (training on a real worker is what test_pipeline_worker drills)."""
    params = dataclasses.replace(
        pipeline.forecast_params(pipeline.pipeline_config()), method="moving_average"
    )
    end = timezone.localdate() - dt.timedelta(days=1)
    panel = data.sales_panel(store_ids=data.active_store_ids(), end=end)
    assert panel is not None
    version = registry.model_register(
        kind=ModelKind.FORECAST,
        model=fit(panel, params),
        parameters=dataclasses.asdict(params),
        metrics={},
        data_start=end - dt.timedelta(days=panel.n_obs - 1),
        data_end=end,
        note="drill",
    )
    return registry.model_promote(version=version)
