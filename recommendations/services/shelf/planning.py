"""The weekly shelf chunk: plan every fixture of some stores and replace their recommended plans."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db import transaction

from recommendations.engine.shelf import (
    FixturePlan,
    Placement,
    PlanParams,
    ProductSpec,
    ResponseParams,
    diff_plan,
    plan_store,
    plan_violations,
    settle_plans,
)
from stores.models import Fixture, Store

from ...models import ModelKind, ModelVersion, RunChunk, ShelfPlan, ShelfPlanItem, TrainingRun
from .. import registry
from .demand import daily_demand
from .inputs import (
    CurrentLayout,
    carried_products,
    current_layouts,
    days_of_supply,
    fixture_spec,
    plan_inputs,
    product_specs,
)
from .response import response_for

logger = logging.getLogger(__name__)
Source = ShelfPlan.Source
CENT = Decimal("0.01")


def money(x: float) -> Decimal:
    return Decimal(str(round(float(x), 4))).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class StorePlans:
    store: Store
    fixtures: list[Fixture]
    specs: list[ProductSpec]
    plans: dict[int, FixturePlan]
    current: CurrentLayout | None


def plan_stores(
    *,
    store_ids: Sequence[int],
    now: dt.datetime,
    response: ResponseParams,
    params: PlanParams | None = None,
) -> list[StorePlans]:
    """Plan every fixture of these stores (no writes)."""
    params = params or PlanParams()
    stores = list(Store.objects.filter(pk__in=list(store_ids)).select_related("warehouse"))
    fixtures: dict[int, list[Fixture]] = {}
    for fx in Fixture.objects.filter(store__in=stores).order_by("store_id", "pk"):
        fixtures.setdefault(fx.store_id, []).append(fx)
    stock, products = carried_products([s.pk for s in stores])
    demand = daily_demand([s.pk for s in stores], now)
    layouts = current_layouts([s.pk for s in stores])
    out = []
    for store in sorted(stores, key=lambda s: s.pk):
        fxs = fixtures.get(store.pk, [])
        if not fxs:
            continue
        pids = stock.loc[stock["store_id"] == store.pk, "product_id"].to_numpy()
        specs = product_specs(
            store=store,
            fixtures=fxs,
            products=products.loc[pids],
            demand=demand,
            current=layouts.get(store.pk),
            days_of_supply=days_of_supply(store, now),
        )
        current = layouts.get(store.pk)
        now_layout = cast("dict[int | str, list[Placement]]", current.by_fixture if current else {})
        _assignment, planned = plan_store(
            [fixture_spec(f) for f in fxs], specs, response, params, now_layout
        )
        # only the changes that gain (and those they need) against today's layout
        plans = settle_plans(planned, now_layout, specs, response, params)
        by_id = {s.product_id: s for s in specs}
        for fid, plan in list(plans.items()):
            given = [by_id[p.product_id] for p in plan.placements] + [
                by_id[u.product_id] for u in plan.unplaced if u.product_id in by_id
            ]
            problems = plan_violations(plan, given, params)
            if problems:  # a planner bug must never reach an owner's shelf
                logger.error("store %s fixture %s: invalid plan %s", store.pk, fid, problems)
                del plans[fid]
        out.append(StorePlans(store, fxs, specs, plans, layouts.get(store.pk)))  # type: ignore[arg-type]
    return out


def _plan_rows(
    sp: StorePlans, response: ResponseParams, run: TrainingRun | None
) -> list[tuple[ShelfPlan, list[ShelfPlanItem]]]:
    by_id = {s.product_id: s for s in sp.specs}
    rows = []
    for fx in sp.fixtures:
        plan = sp.plans.get(fx.pk)
        if plan is None:
            continue
        given = [p.product_id for p in plan.placements] + [u.product_id for u in plan.unplaced]
        specs = [by_id[p] for p in given if p in by_id]
        current = sp.current.by_fixture.get(fx.pk, []) if sp.current else []
        mine = set(given)
        elsewhere = [
            by_id[c.product_id]
            for c in current
            if c.product_id in by_id and c.product_id not in mine
        ]
        diff = diff_plan(current, plan, [*specs, *elsewhere], response)
        row = ShelfPlan(
            store=sp.store,
            fixture=fx,
            run=run,
            source=Source.RECOMMENDED,
            expected_daily_profit=money(plan.expected_daily_profit),
            current_daily_profit=money(diff.current_daily_profit),
            upper_bound=money(plan.upper_bound),
            inputs=plan_inputs(specs, response, elsewhere=elsewhere),
            unplaced=[{"product_id": u.product_id, "reason": u.reason} for u in plan.unplaced],
            dos_shortfall=list(plan.dos_shortfall),
            is_current=True,
        )
        items = [
            ShelfPlanItem(
                product_id=int(p.product_id),
                level=p.level,
                position=p.position,
                facings=p.facings,
                expected_daily_profit=money(p.expected_daily_profit),
            )
            for p in plan.placements
        ]
        rows.append((row, items))
    return rows


def shelf_plans_write(
    *, store_plans: Sequence[StorePlans], response: ResponseParams, run: TrainingRun | None
) -> int:
    """Replace each store's recommended plans with these (one transaction); returns plans written."""
    rows = [r for sp in store_plans for r in _plan_rows(sp, response, run)]
    with transaction.atomic():
        ShelfPlan.objects.filter(
            store_id__in=[sp.store.pk for sp in store_plans], source=Source.RECOMMENDED
        ).delete()
        plans = ShelfPlan.objects.bulk_create([plan for plan, _items in rows])
        items = []
        for plan, (_row, its) in zip(plans, rows, strict=True):
            for it in its:
                it.plan = plan
            items += its
        ShelfPlanItem.objects.bulk_create(items, batch_size=2000)
    return len(plans)


def shelf_plan_chunk_stores(
    *,
    store_ids: Sequence[int],
    now: dt.datetime,
    version: ModelVersion | None,
    run: TrainingRun | None,
) -> int:
    response = response_for(version)
    return shelf_plans_write(
        store_plans=plan_stores(store_ids=store_ids, now=now, response=response),
        response=response,
        run=run,
    )


def shelf_score_chunk(chunk: RunChunk, now: dt.datetime) -> None:
    """The shelf recommender's `score_chunk`: plan every fixture of the chunk's stores with the
    run's space response (or the active one, when the run's is no longer active)."""
    version = chunk.run.model_version
    if version is None or version.status != ModelVersion.Status.ACTIVE:
        version = registry.active_model(ModelKind.SHELF)
    shelf_plan_chunk_stores(store_ids=chunk.store_ids, now=now, version=version, run=chunk.run)
