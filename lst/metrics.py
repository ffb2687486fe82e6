"""Prometheus metrics: what is counted, and how a scrape gathers it from every process.

Counters and histograms live in the process that observes them. Under gunicorn (several
workers) and the Celery prefork pool each process writes its values to files in its own
`PROMETHEUS_MULTIPROC_DIR` (prometheus_client's multiprocess mode; the variable must be set
before the process starts), and a scrape merges the files of that directory and of
`METRICS_EXTRA_DIRS` (say, the Celery worker's on the same machine). Without the variable (tests,
`runserver`) the values stay in the process and the default registry serves them.

The time of the last successful pipeline run is read from the database at scrape time, so it
survives restarts and does not depend on which process ran the pipeline.

Every label has a bounded set of values: routes are URL patterns (never raw paths), methods
outside the standard ones are "other", task names are the registered ones.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
disable_created_metrics()  # no `*_created` series: nothing here reads them
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
EXTRA_DIRS_ENV = "METRICS_EXTRA_DIRS"

if os.environ.get(MULTIPROC_ENV):
    # A process started with the variable but before its parent made the folder (a one-off
    # `manage.py` command, say) must not fail the first time it counts something.
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
_METRIC_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_\d+\.db")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "lst_http_requests",
    "HTTP requests answered, by method, URL route (the pattern) and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "lst_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CELERY_TASKS = Counter(
    "lst_celery_tasks",
    "Celery task executions by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "lst_celery_task_duration_seconds",
    "Run time of Celery tasks, whatever their outcome.",
    ["task"],
    buckets=(0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0),
)
PIPELINE_STAGE = Histogram(
    "lst_pipeline_stage_duration_seconds",
    "Duration of a pipeline stage (load, backtest, train, score) by run kind.",
    ["kind", "stage"],
    buckets=(1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0),
)
PIPELINE_CHUNK = Histogram(
    "lst_pipeline_chunk_duration_seconds",
    "Duration of one chunk of stores scored by one task, by run kind.",
    ["kind"],
    buckets=(0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0),
)


def http_method_label(method: str | None) -> str:
    method = (method or "").upper()
    return method if method in HTTP_METHODS else "other"


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    labels = {"method": http_method_label(method), "route": route, "status": str(status)}
    HTTP_REQUESTS.labels(**labels).inc()
    HTTP_DURATION.labels(**labels).observe(seconds)


def observe_stage(*, kind: str, stage: str, seconds: float) -> None:
    PIPELINE_STAGE.labels(kind=kind, stage=stage).observe(max(seconds, 0.0))


def observe_chunk(*, kind: str, seconds: float) -> None:
    PIPELINE_CHUNK.labels(kind=kind).observe(max(seconds, 0.0))


class PipelineCollector(Collector):
    """`lst_pipeline_last_success_timestamp_seconds{kind}`, read from the runs table."""

    def describe(self) -> Iterable[Metric]:
        # Declared without samples so registering never touches the database.
        return [self._family()]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "lst_pipeline_last_success_timestamp_seconds",
            "Unix time when the last successful run of each kind finished.",
            labels=["kind"],
        )

    def collect(self) -> Iterator[Metric]:
        from django.db import DatabaseError
        from django.db.models import Max

        from recommendations.models import TrainingRun

        family = self._family()
        try:
            rows = list(
                TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED)
                .order_by()
                .values("kind")
                .annotate(last=Max("finished_at"))
            )
        except DatabaseError:
            logger.warning("metrics: the runs table could not be read", exc_info=True)
            rows = []
        for row in sorted(rows, key=lambda r: r["kind"]):
            if row["last"] is not None:
                family.add_metric([row["kind"]], row["last"].timestamp())
        yield family


class DirectoriesCollector(Collector):
    """prometheus_client's multiprocess merge over several directories (one per process group
    on this machine), so a web scrape can include the Celery worker's counters."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def collect(self) -> Iterable[Metric]:
        files: list[str] = []
        for path in self.paths:
            files.extend(glob.glob(os.path.join(path, "*.db")))
        return MultiProcessCollector.merge(files, accumulate=True)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def scrape_dirs() -> list[str]:
    own = multiprocess_dir()
    extra = [p.strip() for p in os.environ.get(EXTRA_DIRS_ENV, "").split(",") if p.strip()]
    return [p for p in ([own] if own else []) + extra if os.path.isdir(p)]


def scrape_registry(*, database: bool = True) -> CollectorRegistry:
    """A registry for one scrape in multiprocess mode: the merged files plus the database.

    `database=False` for servers outside Django's request cycle (the worker's), whose threads
    would each open a database connection and never close it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DirectoriesCollector(scrape_dirs()))
    if database:
        registry.register(PipelineCollector())
    return registry


def exposition() -> bytes:
    """The text a scrape returns."""
    if multiprocess_dir():
        return generate_latest(scrape_registry())
    database = CollectorRegistry(auto_describe=False)
    database.register(PipelineCollector())
    return generate_latest(REGISTRY) + generate_latest(database)


def reset_multiprocess_dir() -> None:
    """Empty (or create) this process group's directory: called once by the parent process
    (gunicorn's master, Celery's main process) before it forks workers, so counters of a
    previous run are not added to this one's."""
    path = multiprocess_dir()
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        # Only prometheus_client's own files: the variable might point at a shared folder.
        for entry in target.iterdir():
            if entry.is_file() and _METRIC_FILE.fullmatch(entry.name):
                entry.unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)


def process_dead(pid: int) -> None:
    """Drop a finished worker process's live gauges (its counters stay, as they must)."""
    if multiprocess_dir():
        mark_process_dead(pid)
