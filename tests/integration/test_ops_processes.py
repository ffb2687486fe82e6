"""Logs and metrics of real processes: gunicorn with two workers behind one /metrics, gunicorn's own
refusals in the API's JSON error shape, and a Celery worker that logs the request id a task was
queued under and counts its outcomes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from lst.metrics import DirectoriesCollector
from lst.request_context import request_id_var
from tests.integration.support import ROOT, celery_worker_command, free_port, wait_for


def _json_lines(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def _database_url(tmp_path: Path) -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        return (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return f"sqlite:///{tmp_path / 'web.sqlite3'}"  # no tables: the scrape must still answer


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "web.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("CELERY_BROKER_URL", None)  # the health check needs no broker here
    env.update(
        DATABASE_URL=_database_url(tmp_path),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics-web"),
    )
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "lst/gunicorn.conf.py",
                "lst.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                return _get(base + "/healthz")[0] == 200
            except OSError:
                return False

        wait_for("gunicorn to answer", up)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.django_db
def test_two_gunicorn_workers_report_one_total_and_log_json(gunicorn) -> None:  # type: ignore[no-untyped-def]
    base, log = gunicorn
    sent = 0

    def pids() -> set[int]:
        return {line["process"] for line in _json_lines(log) if line.get("logger") == "lst.access"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        # Concurrent requests until both workers have answered some (bounded).
        while len(pids()) < 2 and sent < 400:
            statuses = list(pool.map(lambda _: _get(base + "/no/such/page")[0], range(16)))
            assert statuses == [404] * 16
            sent += 16
    wait_for("the access lines", lambda: len(pids()) >= 2, seconds=10)

    status, headers, _ = _get(
        base + "/no/such/page?token=hunter2", **{"X-Request-ID": "itest-web-1"}
    )
    sent += 1
    assert status == 404 and headers["X-Request-ID"] == "itest-web-1"

    for _ in range(2):  # whichever worker answers the scrape, it reports both workers' counts
        status, _, body = _get(base + "/metrics")
        assert status == 200
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
        }
        key = (
            "lst_http_requests_total",
            (("method", "GET"), ("route", "unmatched"), ("status", "404")),
        )
        assert samples[key] == sent

    wait_for(
        "the tagged line",
        lambda: any(x.get("request_id") == "itest-web-1" for x in _json_lines(log)),
    )
    (line,) = [
        x
        for x in _json_lines(log)
        if x.get("request_id") == "itest-web-1" and x["logger"] == "lst.access"
    ]
    assert line["path"] == "/no/such/page" and line["status"] == 404
    assert line["route"] == "unmatched" and line["method"] == "GET"
    assert "hunter2" not in log.read_text()
    # Every line is JSON, gunicorn's own included.
    text_lines = [x for x in log.read_text().splitlines() if x.strip()]
    assert len(_json_lines(log)) == len(text_lines)
    assert any(x["logger"] == "gunicorn.error" for x in _json_lines(log))


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends bytes as they are (urllib would refuse to) and reads the whole answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        # A request line over limit_request_line (4094): refused by gunicorn before Django.
        (
            b"GET /api/v1/stores/?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            414,
            "uri_too_long",
        ),
        # More header fields than limit_request_fields (100).
        (
            b"GET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + b"".join(b"X-F%d: 1\r\n" % i for i in range(120))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        # A header line without a colon, and a request line that is not HTTP.
        (b"GET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n", 400, "bad_request"),
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    ],
    ids=["uri_too_long", "too_many_headers", "malformed_header", "malformed_request_line"],
)
def test_requests_gunicorn_refuses_answer_the_json_error_shape(
    gunicorn, request_bytes: bytes, status: int, code: str
) -> None:  # type: ignore[no-untyped-def]
    base, _ = gunicorn
    got, headers, body = _raw(base, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    answer = json.loads(body)
    assert answer["code"] == code and answer["fields"] == {} and answer["message"]
    assert "<html" not in body.decode()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_host_not_allowed_answers_json_under_the_api_through_gunicorn(gunicorn) -> None:  # type: ignore[no-untyped-def]
    base, _ = gunicorn
    got, headers, body = _raw(base, b"GET /api/v1/ HTTP/1.0\r\nHost: evil.example\r\n\r\n")
    assert got == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["code"] == "bad_request"


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)")
def test_a_worker_logs_the_request_id_and_counts_outcomes(tmp_path: Path) -> None:
    from lst.celery import app
    from shoppers.tasks import expire_orders

    metrics_dir = tmp_path / "metrics-worker"
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=_database_url(tmp_path),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_PORT=str(metrics_port := free_port()),
    )
    app.control.purge()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            celery_worker_command(concurrency=2, loglevel="INFO"),
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        token = request_id_var.set("itest-worker-1")
        try:
            ok = [expire_orders.delay() for _ in range(3)]
            bad = expire_orders.delay(limit="not-a-number")
        finally:
            request_id_var.reset(token)

        def finished() -> list[dict[str, Any]]:
            assert proc.poll() is None, log.read_text()
            return [x for x in _json_lines(log) if x.get("logger") == "lst.tasks"]

        ours = {r.id for r in [*ok, bad]}
        # Wait for these four tasks' lines (a task left queued by another test may log too).
        wait_for(
            "four task lines",
            lambda: ours <= {x.get("task_id") for x in finished()},
            seconds=120,
        )
        by_id = {line["task_id"]: line for line in finished()}
        for result in ok:
            assert by_id[result.id]["task_state"] == "SUCCESS"
        assert by_id[bad.id]["task_state"] == "FAILURE"
        assert {by_id[r.id]["request_id"] for r in [*ok, bad]} == {"itest-worker-1"}
        assert {by_id[r.id]["task_name"] for r in [*ok, bad]} == {"lst.shoppers.expire_orders"}
        # Celery's own lines pass through the same JSON formatter with the same ids.
        traced = [x for x in _json_lines(log) if x["logger"] == "celery.app.trace"]
        assert any(x["task_id"] == bad.id and x["request_id"] == "itest-worker-1" for x in traced)

        samples = {
            (s.name, s.labels.get("task"), s.labels.get("outcome")): s.value
            for family in DirectoriesCollector([str(metrics_dir)]).collect()
            for s in family.samples
        }
        task = "lst.shoppers.expire_orders"
        assert samples[("lst_celery_tasks_total", task, "succeeded")] == 3
        assert samples[("lst_celery_tasks_total", task, "failed")] == 1
        assert samples[("lst_celery_task_duration_seconds_count", task, None)] == 4
        # A machine with workers only serves the same numbers itself (METRICS_PORT).
        status, _, body = _get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        served = {
            (s.name, s.labels.get("task"), s.labels.get("outcome")): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
        }
        assert served[("lst_celery_tasks_total", task, "succeeded")] == 3
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
