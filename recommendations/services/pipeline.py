"""The purchase recommender: forecast training (backtest and fit as two parts), promotion, and
scoring a chunk of stores.

The run and chunk machinery (runs, chunks, progress, publishing, the sweep) is `runs`; this
module is what it calls through the `recommenders.PURCHASE` contract. Scoring a chunk writes all
its stores' suggestions in the transaction that marks the chunk done, so every store ends with
exactly one suggestion set for the day.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from threadpoolctl import threadpool_limits

from lst import metrics
from recommendations.engine.forecast import (
    BoostingParams,
    ForecastParams,
    ModelScore,
    backtest,
    compare_models,
    fit,
    model_forecaster,
)

from .. import data, progress
from ..models import ModelKind, ModelVersion, RunChunk, TrainingRun
from . import registry, runs
from .runs import Scope, compute_threads
from .scoring import score_stores

logger = logging.getLogger(__name__)
BASELINE_NAMES = ("seasonal_naive", "moving_average", "historic_average", "ses", "tsb")


@dataclass(frozen=True)
class PipelineConfig:
    history_days: int = 400  # the daily model looks back up to 364 days
    horizon: int = 14  # longest protection interval served, in days
    backtest_origins: int = 1
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
        max_train_rows=getattr(settings, "RECOMMENDER_MAX_TRAIN_ROWS", 200_000),
        boosting_iterations=getattr(settings, "RECOMMENDER_BOOSTING_ITERATIONS", None),
        refit=getattr(settings, "RECOMMENDER_REFIT", False),
        threads=compute_threads(),
    )


def _score_dict(score: Any) -> dict[str, Any]:
    out = asdict(score)
    out["origin_wrmsse"] = [_finite(v) for v in out["origin_wrmsse"]]
    # JSON holds no NaN or infinity: a non-finite figure is stored as null, which reads back as
    # NaN and so never wins the promotion gate.
    return {k: (_finite(v) if isinstance(v, float) else v) for k, v in out.items()}


def _score_from(raw: dict[str, Any]) -> ModelScore:
    """The inverse of ``_score_dict`` (missing figures back to NaN)."""
    values: dict[str, Any] = {k: (float("nan") if v is None else v) for k, v in raw.items()}
    values["origin_wrmsse"] = tuple(
        float("nan") if v is None else v for v in raw.get("origin_wrmsse") or ()
    )
    known = set(ModelScore.__dataclass_fields__)
    values = {k: v for k, v in values.items() if k in known}
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


def forecast_fit(*, run: TrainingRun, scope: Scope) -> tuple[str, ...]:
    """The purchase recommender's `fit`: plan the training and return its parts, each sent as
    its own task (`forecast_train_part`); the last to finish plans the scoring."""
    return tuple(forecast_train_plan(run=run, scope=scope.as_dict()))


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


def forecast_train_part(
    *, run_id: int, part: str, config: PipelineConfig | None = None
) -> list[int]:
    """Run one part of a run's training; a failure is recorded, never raised (the active model
    keeps serving). A part already finished (a redelivered message) does nothing.

    Returns the scoring chunks to send once this commits: those of the whole run when this part
    was the last to finish, else none."""
    cfg = config or pipeline_config()
    run = TrainingRun.objects.get(pk=run_id)
    if run.parts.get(part, {}).get("status") != "pending":
        return []
    start, end = (dt.date.fromisoformat(d) for d in run.parts["window"])
    previous = ModelVersion.objects.filter(pk=run.parts.get("previous")).first()
    timings: dict[str, float] = {}
    try:
        with threadpool_limits(limits=cfg.threads):
            began = time.perf_counter()
            progress.report(f"{part}: loading sales")
            panel = data.sales_panel(
                store_ids=data.active_store_ids(), end=end, days=(end - start).days + 1
            )
            if panel is None:
                raise ValueError("no daily sales to learn from")
            timings["load" if part == "backtest" else "fit_load"] = time.perf_counter() - began
            began = time.perf_counter()
            progress.report(
                "backtest: the model beside the baselines"
                if part == "backtest"
                else f"fit: {panel.n_series} series"
            )
            if part == "backtest":
                result: dict[str, Any] = {"scores": _backtest(panel, cfg, previous)}
                timings["backtest"] = time.perf_counter() - began
            else:
                result = {"model": fit(panel, forecast_params(cfg)), "series": panel.n_series}
                timings["train"] = time.perf_counter() - began
    except Exception as exc:
        logger.exception("forecast training (%s) failed", part)
        return _part_finished(
            run_id,
            part,
            timings=timings,
            error=f"training failed, the active model keeps serving: {exc}\n"
            f"{traceback.format_exc(limit=5)}",
        )
    return _part_finished(run_id, part, timings=timings, result=result)


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
) -> list[int]:
    """Record a part's outcome under the run's row lock; the last part decides and plans the
    scoring in the same transaction (a duplicate delivery finds the part done and stops).
    Returns the chunks planned (none unless this part was the last)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        parts = dict(run.parts)
        if parts.get(part, {}).get("status") != "pending":
            return []
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
                    # What the validation origin chose per segment, and how many series the
                    # guard made fall back to a baseline (non-finite, negative or absurd).
                    "served_by": dict(model.selection.served_by) if model.selection else {},
                    "guarded_series": model.guarded_series,
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
            return []
        serving = _decide(run)
        if serving is None:
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.FAILED, finished_at=timezone.now()
            )
            return []
        TrainingRun.objects.filter(pk=run.pk).update(model_version=serving)
        return runs.run_plan(run=run, scope=Scope.of(**parts.get("scope", {})))


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


def purchase_score_chunk(chunk: RunChunk, now: dt.datetime) -> None:
    """The purchase recommender's `score_chunk`: today's suggestions of the chunk's stores, with
    the run's model (or the active one, when the run's was not promoted)."""
    version = chunk.run.model_version
    if version is None or version.status != ModelVersion.Status.ACTIVE:
        version = registry.active_model(ModelKind.FORECAST)
    if version is None:
        raise RuntimeError("no active forecast model to score with")
    score_stores(
        model=registry.load_model(version), store_ids=chunk.store_ids, now=now, run=chunk.run
    )
