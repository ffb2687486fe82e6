"""The nightly purchase-suggestion pipeline: train -> backtest -> register/promote -> score chunks.

Each step is a function the Celery tasks call with ids. Scoring a chunk writes all its stores'
suggestions and marks the chunk done in ONE transaction, so a worker killed mid-chunk leaves
nothing behind and the redelivered task (acks_late) does the whole chunk again: every store ends
with exactly one suggestion set for the day.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from threadpoolctl import threadpool_limits

from lst import metrics
from lst.celery_signals import WORKER_PROCESSES_ENV
from recommendations.engine.forecast import (
    BoostingParams,
    ForecastParams,
    ModelScore,
    backtest,
    compare_models,
    fit,
    model_forecaster,
)

from .. import data
from ..models import ModelKind, ModelVersion, RunChunk, TrainingRun
from . import registry
from .scoring import score_stores

logger = logging.getLogger(__name__)
BASELINE_NAMES = ("seasonal_naive", "moving_average", "ses", "tsb")


@dataclass(frozen=True)
class PipelineConfig:
    history_days: int = 400  # the daily model looks back up to 364 days
    horizon: int = 14  # longest protection interval served, in days
    backtest_origins: int = 1
    chunk_size: int = 50  # stores per scoring task
    max_train_rows: int = 200_000
    boosting_iterations: int | None = None  # None: the engine's default
    refit: bool = False  # True: refit on the validation window too (one more training)
    threads: int | None = None  # OpenMP threads for training (None: all cores)
    random_state: int = 0


def pipeline_config() -> PipelineConfig:
    return PipelineConfig(
        history_days=getattr(settings, "RECOMMENDER_HISTORY_DAYS", 400),
        horizon=getattr(settings, "RECOMMENDER_HORIZON_DAYS", 14),
        backtest_origins=getattr(settings, "RECOMMENDER_BACKTEST_ORIGINS", 1),
        chunk_size=getattr(settings, "RECOMMENDER_CHUNK_STORES", 50),
        max_train_rows=getattr(settings, "RECOMMENDER_MAX_TRAIN_ROWS", 200_000),
        boosting_iterations=getattr(settings, "RECOMMENDER_BOOSTING_ITERATIONS", None),
        refit=getattr(settings, "RECOMMENDER_REFIT", False),
        threads=compute_threads(),
    )


def compute_threads() -> int | None:
    """OpenMP threads for fitting and forecasting in this process: RECOMMENDER_THREADS if set;
    in a Celery worker, the machine's cores shared among its pool processes (two processes on
    two cores each get one, instead of four threads fighting for two cores); else all cores."""
    configured = getattr(settings, "RECOMMENDER_THREADS", None)
    if configured:
        return int(configured)
    processes = os.environ.get(WORKER_PROCESSES_ENV, "")
    if processes.isdigit() and int(processes) > 0:
        return max(1, (os.cpu_count() or 1) // int(processes))
    return None


def run_start(*, kind: str = ModelKind.FORECAST) -> TrainingRun:
    return TrainingRun.objects.create(
        kind=kind, status=TrainingRun.Status.RUNNING, started_at=timezone.now()
    )


def record_timing(run: TrainingRun, step: str, seconds: float) -> None:
    run.timings = {**run.timings, step: round(seconds, 2)}
    TrainingRun.objects.filter(pk=run.pk).update(timings=run.timings, updated_at=timezone.now())
    metrics.observe_stage(kind=run.kind, stage=step, seconds=seconds)


def _score_dict(score: Any) -> dict[str, Any]:
    out = asdict(score)
    out["origin_wrmsse"] = list(out["origin_wrmsse"])
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in out.items()}


def _score_from(raw: dict[str, Any]) -> ModelScore:
    """The inverse of ``_score_dict`` (missing figures back to NaN)."""
    values: dict[str, Any] = {k: (float("nan") if v is None else v) for k, v in raw.items()}
    values["origin_wrmsse"] = tuple(raw.get("origin_wrmsse") or ())
    return ModelScore(**values)


def forecast_params(cfg: PipelineConfig) -> ForecastParams:
    boosting = BoostingParams()
    if cfg.boosting_iterations:
        boosting = replace(boosting, max_iter=cfg.boosting_iterations)
    return ForecastParams(
        horizon=cfg.horizon,
        max_rows=cfg.max_train_rows,
        boosting=boosting,
        refit=cfg.refit,
        random_state=cfg.random_state,
    )


#: The training's parts: independent Celery tasks, so two worker processes run them at once.
#: "backtest" scores a candidate trained one horizon earlier against the baselines (and the
#: serving model's recipe); "fit" trains the model that will serve. The last part to finish
#: decides promotion and plans the scoring.
TRAIN_PARTS = ("backtest", "fit")


def forecast_train_plan(
    *,
    run: TrainingRun,
    scope: dict[str, Any],
    end: dt.date | None = None,
    config: PipelineConfig | None = None,
) -> list[str]:
    """Record what this run trains on (the window, the serving model, the stores to score after)
    and return the parts to send. Both parts read the same window, whatever time they start."""
    cfg = config or pipeline_config()
    end = end or timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=cfg.history_days - 1)
    previous = registry.active_model(ModelKind.FORECAST)
    run.parts = {
        "window": [start.isoformat(), end.isoformat()],
        "previous": previous.pk if previous else None,
        "scope": scope,
        **{part: {"status": "pending"} for part in TRAIN_PARTS},
    }
    TrainingRun.objects.filter(pk=run.pk).update(parts=run.parts, updated_at=timezone.now())
    return list(TRAIN_PARTS)


def forecast_train_part(*, run_id: int, part: str, config: PipelineConfig | None = None) -> None:
    """Run one part of a run's training; a failure is recorded, never raised (the active model
    keeps serving). A part already finished (a redelivered message) does nothing."""
    cfg = config or pipeline_config()
    run = TrainingRun.objects.get(pk=run_id)
    if run.parts.get(part, {}).get("status") != "pending":
        return
    start, end = (dt.date.fromisoformat(d) for d in run.parts["window"])
    previous = ModelVersion.objects.filter(pk=run.parts.get("previous")).first()
    timings: dict[str, float] = {}
    try:
        with threadpool_limits(limits=cfg.threads):
            began = time.perf_counter()
            panel = data.sales_panel(
                store_ids=data.active_store_ids(), end=end, days=(end - start).days + 1
            )
            if panel is None:
                raise ValueError("no daily sales to learn from")
            timings["load" if part == "backtest" else "fit_load"] = time.perf_counter() - began
            began = time.perf_counter()
            if part == "backtest":
                result: dict[str, Any] = {"scores": _backtest(panel, cfg, previous)}
                timings["backtest"] = time.perf_counter() - began
            else:
                result = {"model": fit(panel, forecast_params(cfg)), "series": panel.n_series}
                timings["train"] = time.perf_counter() - began
    except Exception as exc:
        logger.exception("forecast training (%s) failed", part)
        _part_finished(
            run_id,
            part,
            timings=timings,
            error=f"training failed, the active model keeps serving: {exc}\n"
            f"{traceback.format_exc(limit=5)}",
        )
        return
    _part_finished(run_id, part, timings=timings, result=result)


def _backtest(panel: Any, cfg: PipelineConfig, previous: ModelVersion | None) -> dict[str, Any]:
    """Backtest on the latest window(s), each model trained only on the history before them."""
    params = forecast_params(cfg)
    forecasters = {"global": model_forecaster(replace(params, refit=False))}
    for name in BASELINE_NAMES:
        forecasters[name] = model_forecaster(ForecastParams(horizon=cfg.horizon, method=name))
    scores = backtest(panel, forecasters, horizon=cfg.horizon, origins=cfg.backtest_origins)
    out = {name: _score_dict(score) for name, score in scores.items()}
    if previous is not None:
        if previous.parameters == _params(params):
            out["previous"] = out["global"]  # same recipe: the same score by determinism
        else:
            old = replace(_from_dict(previous.parameters), refit=False)
            out["previous"] = _score_dict(
                backtest(
                    panel,
                    {"previous": model_forecaster(old)},
                    horizon=cfg.horizon,
                    origins=cfg.backtest_origins,
                )["previous"]
            )
    return out


def _part_finished(
    run_id: int,
    part: str,
    *,
    timings: dict[str, float],
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record a part's outcome under the run's row lock; the last part decides and plans the
    scoring in the same transaction (a duplicate delivery finds the part done and stops)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        parts = dict(run.parts)
        if parts.get(part, {}).get("status") != "pending":
            return
        if error is not None:
            parts[part] = {"status": "failed"}
            run.error = f"{run.error}\n{error}".strip()
        elif part == "fit":
            assert result is not None
            model = result["model"]
            start, end = (dt.date.fromisoformat(d) for d in parts["window"])
            version = registry.model_register(
                kind=ModelKind.FORECAST,
                model=model,
                parameters=_params(model.params),
                metrics={
                    "validation_wrmsse": _finite(model.validation_wrmsse),
                    "method": model.method,
                    "fallback_reason": model.fallback_reason,
                    "series": result["series"],
                },
                data_start=start,
                data_end=end,
            )
            run.model_version = version
            parts[part] = {"status": "done", "version": version.pk}
        else:
            assert result is not None
            parts[part] = {"status": "done", "scores": result["scores"]}
        run.parts = parts
        run.timings = {**run.timings, **{k: round(v, 2) for k, v in timings.items()}}
        run.save(update_fields=["parts", "timings", "error", "model_version", "updated_at"])
        for step, seconds in timings.items():
            metrics.observe_stage(kind=run.kind, stage=step, seconds=seconds)
        if any(parts[p]["status"] == "pending" for p in TRAIN_PARTS):
            return
        serving = _decide(run)
        if serving is None:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.FAILED, finished_at=timezone.now()
            )
            return
        forecast_score_plan(run=run, version=serving, scope=parts.get("scope", {}))


def _decide(run: TrainingRun) -> ModelVersion | None:
    """Promote the new version if it won its backtest; otherwise keep the active one and say why.
    Returns the version that will serve (None: nothing can)."""
    previous = registry.active_model(ModelKind.FORECAST)
    fit_part, bt_part = run.parts["fit"], run.parts["backtest"]
    if fit_part["status"] != "done":
        return previous
    version = ModelVersion.objects.get(pk=fit_part["version"])
    if bt_part["status"] != "done":
        reasons = ["the backtest failed"]
        promote = False
    else:
        scores = {name: _score_from(raw) for name, raw in bt_part["scores"].items()}
        # Under-coverage of P90 means stock-outs and blocks promotion; over-coverage (integer
        # quantiles of slow daily sellers cover more than 90% by construction) only costs
        # stock, which the replay measures, so it is recorded but does not block.
        decision = compare_models(
            scores["global"],
            [scores[n] for n in BASELINE_NAMES],
            scores.get("previous") if previous is not None else None,
            coverage_band=(0.85, 1.0),
        )
        reasons, promote = list(decision.reasons), decision.promote
        version.metrics = {
            **version.metrics,
            "backtest": {n: raw for n, raw in bt_part["scores"].items() if n != "previous"},
            "decision": reasons,
        }
    version.note = "; ".join(reasons)
    version.save(update_fields=["metrics", "note", "updated_at"])
    if promote:
        return registry.model_promote(version=version, note="won its backtest")
    if previous is None:
        # Nothing serves yet: the candidate (or its baseline fallback) is better than nothing.
        return registry.model_promote(
            version=version, note="first model; serving despite: " + "; ".join(reasons)
        )
    registry.model_reject(version=version, note="kept the active model: " + "; ".join(reasons))
    return previous


def forecast_score_plan(*, run: TrainingRun, version: ModelVersion, scope: dict[str, Any]) -> None:
    """Plan the scoring chunks of the stores in ``scope`` (``store_ids`` or all active stores,
    limited to the time zone ``tz``) and send them once the caller's transaction commits."""
    from stores.models import Store

    from ..tasks import chunks_send

    TrainingRun.objects.filter(pk=run.pk).update(model_version=version)
    ids = scope.get("store_ids")
    if ids is None:
        ids = data.active_store_ids()
    if scope.get("tz"):
        ids = list(
            Store.objects.filter(pk__in=ids, timezone=scope["tz"]).values_list("pk", flat=True)
        )
    with transaction.atomic():
        chunks = run_plan_chunks(
            run=run, store_ids=sorted(ids), chunk_size=pipeline_config().chunk_size
        )
        if not chunks:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now()
            )
        chunk_ids = [c.pk for c in chunks]
        transaction.on_commit(lambda: chunks_send(chunk_ids))


def _finite(x: float) -> float | None:
    return None if x != x or x in (float("inf"), float("-inf")) else x


def _params(params: ForecastParams) -> dict[str, Any]:
    return asdict(params)


def _from_dict(raw: dict[str, Any]) -> ForecastParams:
    known = set(ForecastParams.__dataclass_fields__)
    values = {k: v for k, v in raw.items() if k in known}
    if isinstance(values.get("boosting"), dict):
        values["boosting"] = BoostingParams(**values["boosting"])
    return ForecastParams(**values)


def run_plan_chunks(*, run: TrainingRun, store_ids: list[int], chunk_size: int) -> list[RunChunk]:
    chunks = [
        RunChunk(run=run, index=i, store_ids=store_ids[k : k + chunk_size])
        for i, k in enumerate(range(0, len(store_ids), chunk_size))
    ]
    RunChunk.objects.bulk_create(chunks)
    TrainingRun.objects.filter(pk=run.pk).update(
        chunks_total=len(chunks), stores_total=len(store_ids), updated_at=timezone.now()
    )
    return list(RunChunk.objects.filter(run=run).order_by("index"))


#: How a chunk of each run kind is processed: (chunk, now) -> None, writing in the caller's
#: transaction. The weekly shelf and assortment runs register theirs next to this one.
ChunkHandler = Callable[[RunChunk, dt.datetime], None]
CHUNK_HANDLERS: dict[str, ChunkHandler] = {}


def register_chunk_handler(kind: str) -> Callable[[ChunkHandler], ChunkHandler]:
    def wrap(fn: ChunkHandler) -> ChunkHandler:
        CHUNK_HANDLERS[kind] = fn
        return fn

    return wrap


@register_chunk_handler(ModelKind.FORECAST)
def _score_purchase_chunk(chunk: RunChunk, now: dt.datetime) -> None:
    version = chunk.run.model_version
    if version is None or version.status != ModelVersion.Status.ACTIVE:
        version = registry.active_model(ModelKind.FORECAST)
    if version is None:
        raise RuntimeError("no active forecast model to score with")
    score_stores(
        model=registry.load_model(version), store_ids=chunk.store_ids, now=now, run=chunk.run
    )


def chunk_score(*, chunk_id: int, now: dt.datetime | None = None) -> bool:
    """Process one chunk; True when it did the work, False when the chunk was already done.

    The chunk row is locked for the whole transaction, so a duplicate delivery running at the
    same time waits and then finds it done; the handler's writes and the done mark commit
    together or not at all.
    """
    now = now or timezone.now()
    RunChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
    with transaction.atomic():
        chunk = (
            RunChunk.objects.select_for_update(of=("self",))
            .select_related("run", "run__model_version")
            .get(pk=chunk_id)
        )
        if chunk.status == RunChunk.Status.DONE:
            return False
        began = time.perf_counter()
        with threadpool_limits(limits=compute_threads()):
            CHUNK_HANDLERS[chunk.run.kind](chunk, now)
        RunChunk.objects.filter(pk=chunk.pk).update(
            status=RunChunk.Status.DONE, finished_at=timezone.now(), error=""
        )
        _refresh_progress(chunk.run_id, kind=chunk.run.kind)
    metrics.observe_chunk(kind=chunk.run.kind, seconds=time.perf_counter() - began)
    return True


def _refresh_progress(run_id: int, *, kind: str) -> None:
    done = RunChunk.objects.filter(run_id=run_id, status=RunChunk.Status.DONE)
    stores_done = sum(len(ids) for ids in done.values_list("store_ids", flat=True))
    counts = RunChunk.objects.filter(run_id=run_id).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=RunChunk.Status.DONE)),
        planned_at=Min("created_at"),
    )
    finished = counts["done"] == counts["total"]
    update: dict[str, Any] = {
        "chunks_done": counts["done"],
        "stores_done": stores_done,
        "updated_at": timezone.now(),
    }
    if finished:
        update.update(status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now())
        # The score stage: from the chunks being planned to the last one done, on any worker.
        seconds = (update["finished_at"] - counts["planned_at"]).total_seconds()
        transaction.on_commit(
            lambda: metrics.observe_stage(kind=kind, stage="score", seconds=seconds)
        )
    TrainingRun.objects.filter(pk=run_id).update(**update)


def chunk_failed(*, chunk_id: int, error: str) -> None:
    RunChunk.objects.filter(pk=chunk_id).exclude(status=RunChunk.Status.DONE).update(
        status=RunChunk.Status.FAILED, error=error[:2000]
    )
    run_id = RunChunk.objects.values_list("run_id", flat=True).get(pk=chunk_id)
    TrainingRun.objects.filter(pk=run_id).update(
        status=TrainingRun.Status.FAILED,
        finished_at=timezone.now(),
        error=f"chunk {chunk_id} failed: {error[:500]}",
    )


def store_local_today(tz: str, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(tz)).date()
