"""Prometheus metrics: what requests, tasks and pipeline runs add, and who may read /metrics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lst import metrics
from lst.celery import app
from recommendations.models import ModelKind, RunChunk, TrainingRun
from recommendations.services import recommenders, runs

pytestmark = pytest.mark.smoke
ROOT = Path(__file__).resolve().parents[2]
STOCK_ROUTE = "/api/v1/stores/<int:store_id>/stock/"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: Client, **headers: str) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


@shared_task(name="tests.ops.succeeds")
def succeeds() -> int:
    return 1


@shared_task(name="tests.ops.fails")
def fails() -> int:
    raise RuntimeError("boom")


@shared_task(name="tests.ops.retries_once", bind=True, max_retries=1, default_retry_delay=0)
def retries_once(self) -> int:  # type: ignore[no-untyped-def]
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return 2


def test_requests_are_counted_by_route_pattern_not_path(alice, bob) -> None:  # type: ignore[no-untyped-def]
    ok = {"method": "GET", "route": STOCK_ROUTE, "status": "200"}
    missing = {**ok, "status": "404"}
    before_ok = value("lst_http_requests_total", **ok)
    before_missing = value("lst_http_requests_total", **missing)
    before_latency = value("lst_http_request_duration_seconds_count", **ok)

    for _ in range(3):
        assert alice.client.get(f"/api/v1/stores/{alice.store.pk}/stock/").status_code == 200
    assert alice.client.get(f"/api/v1/stores/{bob.store.pk}/stock/").status_code == 404

    assert value("lst_http_requests_total", **ok) == before_ok + 3
    assert value("lst_http_requests_total", **missing) == before_missing + 1
    assert value("lst_http_request_duration_seconds_count", **ok) == before_latency + 3
    text = generate_latest(REGISTRY).decode()
    assert f"/api/v1/stores/{alice.store.pk}/" not in text
    assert f"/api/v1/stores/{bob.store.pk}/" not in text


def test_unknown_paths_and_methods_share_one_label_value() -> None:
    client = Client()
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    other = {"method": "other", "route": "/healthz", "status": "200"}
    before = (
        value("lst_http_requests_total", **unmatched),
        value("lst_http_requests_total", **other),
    )
    client.get("/wp-login.php")
    client.get("/a/b/c/4711")
    client.generic("BREW", "/healthz")
    assert value("lst_http_requests_total", **unmatched) == before[0] + 2
    assert value("lst_http_requests_total", **other) == before[1] + 1
    assert "wp-login" not in generate_latest(REGISTRY).decode()


def test_task_outcomes_are_counted_by_task_name() -> None:
    def count(task: str, outcome: str) -> float:
        return value("lst_celery_tasks_total", task=task, outcome=outcome)

    before = (
        count("tests.ops.succeeds", "succeeded"),
        count("tests.ops.fails", "failed"),
        count("tests.ops.retries_once", "retried"),
        count("tests.ops.retries_once", "succeeded"),
        value("lst_celery_task_duration_seconds_count", task="tests.ops.fails"),
    )
    # As on a worker: with eager_propagates an eager task raises before Celery's signals fire.
    app.conf.task_eager_propagates = False
    try:
        assert succeeds.delay().get() == 1
        assert fails.delay().failed()
        assert retries_once.delay().get() == 2  # the retry runs again at once when eager
    finally:
        app.conf.task_eager_propagates = True
    assert count("tests.ops.succeeds", "succeeded") == before[0] + 1
    assert count("tests.ops.fails", "failed") == before[1] + 1
    assert count("tests.ops.retries_once", "retried") == before[2] + 1
    assert count("tests.ops.retries_once", "succeeded") == before[3] + 1
    assert value("lst_celery_task_duration_seconds_count", task="tests.ops.fails") == before[4] + 1


@pytest.mark.django_db
def test_pipeline_stages_chunks_and_last_success(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    kind = ModelKind.SHELF
    quiet = dataclasses.replace(recommenders.SHELF, score_chunk=lambda chunk, now: None)
    monkeypatch.setattr(recommenders, "RECOMMENDERS", {kind: quiet})
    chunk_count = value("lst_pipeline_chunk_duration_seconds_count", kind=kind)
    score_count = value("lst_pipeline_stage_duration_seconds_count", kind=kind, stage="score")
    train_sum = value("lst_pipeline_stage_duration_seconds_sum", kind=kind, stage="train")

    run = runs.run_start(kind=kind)
    runs.record_timing(run, "train", 1.5)
    chunks = runs.run_plan_chunks(run=run, store_ids=[1, 2, 3], chunk_size=2)
    with django_capture_on_commit_callbacks(execute=True):
        for chunk in chunks:
            assert runs.chunk_score(chunk_id=chunk.pk)
        assert not runs.chunk_score(chunk_id=chunks[0].pk)  # a redelivery does nothing

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert value("lst_pipeline_chunk_duration_seconds_count", kind=kind) == chunk_count + 2
    assert (
        value("lst_pipeline_stage_duration_seconds_count", kind=kind, stage="score")
        == score_count + 1
    )
    assert value("lst_pipeline_stage_duration_seconds_sum", kind=kind, stage="train") == (
        pytest.approx(train_sum + 1.5)
    )
    assert run.finished_at is not None
    samples = scrape(Client())
    assert samples[("lst_pipeline_last_success_timestamp_seconds", (("kind", kind),))] == (
        pytest.approx(run.finished_at.timestamp())
    )


@pytest.mark.django_db
def test_last_success_is_the_newest_succeeded_run_of_each_kind() -> None:
    now = timezone.now()
    for kind, status, finished in [
        (ModelKind.FORECAST, TrainingRun.Status.SUCCEEDED, now - dt.timedelta(days=2)),
        (ModelKind.FORECAST, TrainingRun.Status.SUCCEEDED, now - dt.timedelta(days=1)),
        (ModelKind.FORECAST, TrainingRun.Status.FAILED, now),
        (ModelKind.ASSORTMENT, TrainingRun.Status.RUNNING, None),
    ]:
        TrainingRun.objects.create(kind=kind, status=status, finished_at=finished)
    samples = scrape(Client())
    last = {
        dict(labels)["kind"]: v
        for (name, labels), v in samples.items()
        if name == "lst_pipeline_last_success_timestamp_seconds"
    }
    assert last == {ModelKind.FORECAST: pytest.approx((now - dt.timedelta(days=1)).timestamp())}
    assert RunChunk.objects.count() == 0


@pytest.mark.django_db
def test_metrics_answer_the_allowed_networks_only(settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "10.20.0.0/16"]
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 404
    # A forwarded-for header is the client's word, not its address.
    assert outside.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404


@pytest.mark.django_db
def test_metrics_answer_the_bearer_token_only(settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_ALLOWED_NETWORKS = []  # production's default
    client = Client(REMOTE_ADDR="127.0.0.1")
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert ok.status_code == 200
    assert b"lst_http_requests_total" in ok.content
    for header in (
        "Bearer s3cret-scrape-tokeN",
        "Basic s3cret-scrape-token",
        "s3cret-scrape-token",
    ):
        assert client.get("/metrics", headers={"Authorization": header}).status_code == 404
    assert client.get("/metrics").status_code == 404


def _child_observes(directory: Path, route: str) -> None:
    """A separate process in multiprocess mode counts one request."""
    code = (
        "from lst import metrics; "
        f"metrics.observe_request(method='GET', route={route!r}, status=200, seconds=0.2)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)


@pytest.mark.django_db
def test_a_scrape_merges_every_process_of_every_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    web, worker = tmp_path / "web", tmp_path / "worker"
    _child_observes(web, "/a")
    _child_observes(web, "/a")
    _child_observes(worker, "/b")
    (web / "notes.txt").write_text("not a metrics file")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(web))
    monkeypatch.setenv("METRICS_EXTRA_DIRS", f"{worker}, {tmp_path / 'missing'}")

    families = text_string_to_metric_families(metrics.exposition().decode())
    samples = {
        (s.name, s.labels.get("route"), s.labels.get("le")): s.value
        for family in families
        for s in family.samples
    }
    assert samples[("lst_http_requests_total", "/a", None)] == 2
    assert samples[("lst_http_requests_total", "/b", None)] == 1
    assert samples[("lst_http_request_duration_seconds_count", "/a", None)] == 2
    assert samples[("lst_http_request_duration_seconds_bucket", "/a", "0.25")] == 2
    assert samples[("lst_http_request_duration_seconds_bucket", "/a", "0.1")] == 0

    metrics.reset_multiprocess_dir()  # what gunicorn's master does at start
    assert sorted(p.name for p in web.iterdir()) == ["notes.txt"]
    assert len(list(worker.iterdir())) == 2  # another process group's folder is left alone
