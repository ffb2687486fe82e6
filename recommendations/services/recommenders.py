"""The recommenders, each behind one contract, in one static registry.

The run and chunk machinery (`runs`) looks a run's recommender up here by kind; nothing is
registered by importing a module, so a worker started without Django's system checks (which
used to import the shelf views, and through them the shelf handler) knows every kind. A kind
missing from `RECOMMENDERS` fails the test that compares it with `ModelKind`, not a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..models import ModelKind, RunChunk, TrainingRun
from . import assortment, pipeline, shelf
from .runs import Scope, plan_store_chunks

#: fit(run=, scope=) -> the training parts to send as their own tasks (the last one to finish
#: plans the chunks), or () when the model was fitted, registered and promoted in-line. A
#: failure raises; the machinery records it and the active model keeps serving.
Fit = Callable[..., Sequence[str]]
#: plan_chunks(run=, scope=) -> the run's chunks, written in the caller's transaction.
PlanChunks = Callable[..., list[RunChunk]]
#: score_chunk(chunk, now) writes the chunk's stores' results in the caller's transaction
#: (the one that marks the chunk done): replaying it leaves the same rows.
ScoreChunk = Callable[[RunChunk, dt.datetime], None]


@dataclass(frozen=True)
class Recommender:
    """What the machinery needs of a recommender: train, split the stores, score a chunk."""

    kind: str
    fit: Fit
    plan_chunks: PlanChunks
    score_chunk: ScoreChunk
    retrain_after: dt.timedelta  # an active model younger than this is reused


def _fitted_inline(train: Callable[..., Any]) -> Fit:
    """A trainer that registers and promotes its model in one call, as a `Fit`."""

    def fit(*, run: TrainingRun, scope: Scope) -> tuple[str, ...]:
        train(run=run)
        return ()

    fit.__name__ = f"fit_{getattr(train, '__name__', 'model')}"
    return fit


PURCHASE = Recommender(
    kind=ModelKind.FORECAST,
    fit=pipeline.forecast_fit,
    plan_chunks=plan_store_chunks,
    score_chunk=pipeline.purchase_score_chunk,
    retrain_after=dt.timedelta(hours=20),
)
SHELF = Recommender(
    kind=ModelKind.SHELF,
    fit=_fitted_inline(shelf.shelf_response_fit),
    plan_chunks=plan_store_chunks,
    score_chunk=shelf.shelf_score_chunk,
    retrain_after=dt.timedelta(days=6),
)
ASSORTMENT = Recommender(
    kind=ModelKind.ASSORTMENT,
    fit=_fitted_inline(assortment.assortment_fit),
    plan_chunks=plan_store_chunks,
    score_chunk=assortment.assortment_score_chunk,
    retrain_after=dt.timedelta(days=6),
)

RECOMMENDERS: Mapping[str, Recommender] = MappingProxyType(
    {r.kind: r for r in (PURCHASE, SHELF, ASSORTMENT)}
)


def recommender_for(kind: str) -> Recommender:
    try:
        return RECOMMENDERS[kind]
    except KeyError:
        raise LookupError(f"no recommender of kind {kind!r}") from None
