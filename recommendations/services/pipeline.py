"""The nightly purchase-suggestion pipeline: train -> backtest -> register/promote -> score chunks.

Each step is a function the Celery tasks call with ids. Scoring a chunk writes all its stores'
suggestions and marks the chunk done in ONE transaction, so a worker killed mid-chunk leaves
nothing behind and the redelivered task (acks_late) does the whole chunk again: every store ends
with exactly one suggestion set for the day.
"""

from __future__ import annotations

import datetime as dt
import logging
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
from recommendations.engine.forecast import (
    BoostingParams,
    ForecastParams,
    backtest,
    build_panel,
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
        threads=getattr(settings, "RECOMMENDER_THREADS", None),
    )


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


def forecast_train(
    *, run: TrainingRun, end: dt.date | None = None, config: PipelineConfig | None = None
) -> ModelVersion | None:
    """Train a candidate on the daily sales, backtest it against the baselines (and the serving
    model's parameters), register it, and promote it only if it wins.

    Returns the version that will serve (the new one or the previous active one), or None when
    there is nothing to serve. A failure is recorded on the run and the active model keeps serving.
    """
    cfg = config or pipeline_config()
    end = end or timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=cfg.history_days - 1)
    previous = registry.active_model(ModelKind.FORECAST)
    try:
        with threadpool_limits(limits=cfg.threads):
            return _train(run, cfg, start, end, previous)
    except Exception as exc:
        logger.exception("forecast training failed")
        TrainingRun.objects.filter(pk=run.pk).update(
            error=f"training failed, the active model keeps serving: {exc}\n"
            f"{traceback.format_exc(limit=5)}"
        )
        return previous


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


def _train(
    run: TrainingRun,
    cfg: PipelineConfig,
    start: dt.date,
    end: dt.date,
    previous: ModelVersion | None,
) -> ModelVersion | None:
    began = time.perf_counter()
    sales = data.sales_frame(store_ids=data.active_store_ids(), start=start, end=end)
    if sales.empty:
        raise ValueError("no daily sales to learn from")
    products = data.products_frame(sales["product_id"].unique())[["product_id", "category"]]
    panel = build_panel(sales, freq="D", products=products)
    record_timing(run, "load", time.perf_counter() - began)

    # Backtest on the latest window(s), each model trained only on the history before them.
    began = time.perf_counter()
    params = forecast_params(cfg)
    forecasters = {"global": model_forecaster(replace(params, refit=False))}
    for name in BASELINE_NAMES:
        forecasters[name] = model_forecaster(ForecastParams(horizon=cfg.horizon, method=name))
    scores = backtest(panel, forecasters, horizon=cfg.horizon, origins=cfg.backtest_origins)
    candidate = scores["global"]
    previous_score = None
    if previous is not None:
        if previous.parameters == _params(params):
            previous_score = candidate  # same recipe: the same score by determinism
        else:
            old = replace(_from_dict(previous.parameters), refit=False)
            previous_score = backtest(
                panel,
                {"previous": model_forecaster(old)},
                horizon=cfg.horizon,
                origins=cfg.backtest_origins,
            )["previous"]
    # Under-coverage of P90 means stock-outs and blocks promotion; over-coverage (integer quantiles
    # of slow daily sellers cover more than 90% by construction) only costs stock, which the
    # replay measures, so it is recorded but does not block.
    decision = compare_models(
        candidate,
        [scores[n] for n in BASELINE_NAMES],
        previous_score,
        coverage_band=(0.85, 1.0),
    )
    record_timing(run, "backtest", time.perf_counter() - began)

    began = time.perf_counter()
    model = fit(panel, params)
    record_timing(run, "train", time.perf_counter() - began)

    metrics = {
        "backtest": {name: _score_dict(s) for name, s in scores.items()},
        "decision": list(decision.reasons),
        "validation_wrmsse": _finite(model.validation_wrmsse),
        "method": model.method,
        "fallback_reason": model.fallback_reason,
        "series": panel.n_series,
    }
    version = registry.model_register(
        kind=ModelKind.FORECAST,
        model=model,
        parameters=_params(params),
        metrics=metrics,
        data_start=start,
        data_end=end,
        note="; ".join(decision.reasons),
    )
    TrainingRun.objects.filter(pk=run.pk).update(model_version=version)
    if decision.promote:
        return registry.model_promote(version=version, note="won its backtest")
    if previous is None:
        # Nothing serves yet: the candidate (or its baseline fallback) is better than nothing.
        return registry.model_promote(
            version=version, note="first model; serving despite: " + "; ".join(decision.reasons)
        )
    registry.model_reject(
        version=version, note="kept the active model: " + "; ".join(decision.reasons)
    )
    return previous


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
