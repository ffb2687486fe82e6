"""Celery's side of logging and metrics, wired through Celery's signals.

- A task queued while a request is served carries the request id in a message header; the
  worker puts it, with the task's id and name, in the logging context while the task runs.
- Each task run ends with one `lst.tasks` log line (outcome, duration) and is counted in
  `lst_celery_tasks_total{task,outcome}` (succeeded, failed, retried).
- Worker processes log through Django's LOGGING (JSON in production), not Celery's own format.
- In multiprocess metrics mode the worker's main process empties its metrics directory at start,
  a pool process that exits has its live gauges dropped, and METRICS_PORT, when set, serves the
  worker's metrics over HTTP for machines that run no web process.
"""

from __future__ import annotations

import logging
import os
import time
from contextvars import Token
from typing import Any

from celery import signals

from . import metrics
from .request_context import (
    TASK_HEADER,
    clean_request_id,
    current_request_id,
    request_id_var,
    task_id_var,
    task_name_var,
)

task_logger = logging.getLogger("lst.tasks")

_running: dict[str, tuple[float, list[tuple[Any, Token[Any]]]]] = {}


@signals.before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


@signals.task_prerun.connect
def _task_context_enter(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is None or task is None:
        return
    tokens: list[tuple[Any, Token[Any]]] = [
        (task_id_var, task_id_var.set(task_id)),
        (task_name_var, task_name_var.set(task.name)),
    ]
    # From the message header on a worker; an eager task keeps the request's id it runs in.
    request_id = clean_request_id(_header(task.request))
    if request_id:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    _running[task_id] = (time.perf_counter(), tokens)


def _header(request: Any) -> str | None:
    # A worker puts the message's headers on the request; `apply(headers=...)` nests them.
    value = getattr(request, TASK_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    return value if isinstance(value, str) else None


@signals.task_postrun.connect
def _task_context_exit(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    entry = _running.pop(task_id, None) if task_id is not None else None
    if entry is None or task is None:
        return
    started, tokens = entry
    seconds = time.perf_counter() - started
    metrics.CELERY_TASK_DURATION.labels(task=task.name).observe(seconds)
    task_logger.info(
        "task %s %s in %.1fms",
        task.name,
        state or "-",
        seconds * 1000,
        extra={"task_state": state, "duration_ms": round(seconds * 1000, 1)},
    )
    for var, token in reversed(tokens):
        var.reset(token)


def _count(sender: Any, outcome: str) -> None:
    name = getattr(sender, "name", None) or "unknown"
    metrics.CELERY_TASKS.labels(task=name, outcome=outcome).inc()


@signals.task_success.connect
def _task_succeeded(sender: Any = None, **_: Any) -> None:
    _count(sender, "succeeded")


@signals.task_failure.connect
def _task_failed(sender: Any = None, **_: Any) -> None:
    _count(sender, "failed")


@signals.task_retry.connect
def _task_retried(sender: Any = None, **_: Any) -> None:
    _count(sender, "retried")


@signals.setup_logging.connect
def _django_logging(loglevel: Any = None, **_: Any) -> None:
    """Workers and beat log with the project's LOGGING; an explicit --loglevel still wins."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.worker_init.connect
def _worker_metrics_start(**_: Any) -> None:
    metrics.reset_multiprocess_dir()


#: How many pool processes this worker runs; its forked processes inherit it, so model code
#: can share the machine's cores among them (recommendations.services.runs.compute_threads).
WORKER_PROCESSES_ENV = "LST_WORKER_PROCESSES"


@signals.worker_init.connect
def _worker_processes_shared(sender: Any = None, **_: Any) -> None:
    concurrency = getattr(sender, "concurrency", None)
    if isinstance(concurrency, int) and concurrency > 0:
        os.environ[WORKER_PROCESSES_ENV] = str(concurrency)


@signals.worker_ready.connect
def _worker_metrics_serve(**_: Any) -> None:
    port = os.environ.get("METRICS_PORT")
    if not port or not metrics.multiprocess_dir():
        return
    from prometheus_client import start_http_server

    address = os.environ.get("METRICS_ADDR", "127.0.0.1")
    start_http_server(int(port), addr=address, registry=metrics.scrape_registry(database=False))
    task_logger.info("serving worker metrics on %s:%s", address, port)


@signals.worker_process_shutdown.connect
def _worker_process_gone(pid: int | None = None, **_: Any) -> None:
    metrics.process_dead(pid or os.getpid())
