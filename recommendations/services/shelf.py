"""Shelf-display plans: the weekly run's Django side, the current layouts, the change lists.

The engine (`recommendations.engine.shelf`) plans from plain dataclasses; this module reads the
fixtures, carried products, demand and current layouts into them, and writes `ShelfPlan` rows
back in bulk. A recommended plan keeps its inputs (`ShelfPlan.inputs`), so the change list
against the store's current layout is recomputed whenever the owner records a new layout.

Weekly run: `shelf_response_fit` (once per run, chain-wide) estimates the space response and
registers it as a `shelf` model version; the chunk handler plans each store of a chunk with the
run's version and replaces the store's recommended plans in the chunk's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst.errors import NotFound, ValidationFailed
from recommendations.engine.shelf import (
    CategoryResponse,
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanDiff,
    PlanParams,
    ProductSpec,
    ResponseParams,
    SpaceResponse,
    assign_products_to_fixtures,
    diff_plan,
    estimate_space_response,
    plan_store,
    plan_violations,
    render_planogram,
)
from stores.models import Fixture, Store

from .. import data
from ..models import ModelKind, ModelVersion, RunChunk, ShelfPlan, ShelfPlanItem, TrainingRun
from . import registry

logger = logging.getLogger(__name__)
Source = ShelfPlan.Source
CENT = Decimal("0.01")

FORECAST_DAYS = 7  # daily demand = mean of the forecast over the next week
FALLBACK_DAYS = 28  # ...or the average of the last four weeks of sales
RESPONSE_HISTORY_DAYS = 182
DEFAULT_REF_FACINGS = 2.0  # facings assumed when sales were observed without a recorded layout
MAX_DAYS_OF_SUPPLY = 7.0
MAX_LAYOUT_ITEMS = 300
MAX_FACINGS_RECORDED = 50


def _money(x: float) -> Decimal:
    return Decimal(str(round(float(x), 4))).quantize(CENT, ROUND_HALF_UP)


# --- the space response (trained once per weekly run) -----------------------------------------


def response_frame(*, store_ids: Sequence[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Weekly sales of the store x product series that have a recorded layout, with the layout in
    force each day (facings, eye level, display) and the price / promotion controls."""
    layout = data.shelf_layout_frame(store_ids)
    if layout.empty:
        return pd.DataFrame()
    series = layout[["store_id", "product_id"]].drop_duplicates()
    sales = data.sales_frame(store_ids=sorted(series["store_id"].unique()), start=start, end=end)
    sales = sales.merge(series, on=["store_id", "product_id"])
    if sales.empty:
        return pd.DataFrame()
    layout = layout.astype({"store_id": "int64", "product_id": "int64"})
    layout["since"] = layout["since"].astype("datetime64[ns]")
    layout = layout.sort_values("since")
    sales = sales.astype({"store_id": "int64", "product_id": "int64"})
    sales["date"] = sales["date"].astype("datetime64[ns]")
    sales = pd.merge_asof(
        sales.sort_values("date"),
        layout,
        left_on="date",
        right_on="since",
        by=["store_id", "product_id"],
        direction="backward",
    ).dropna(subset=["facings"])
    if sales.empty:
        return pd.DataFrame()
    sales["week"] = sales["date"] - pd.to_timedelta(sales["date"].dt.day_of_week, unit="D")
    weekly = (
        sales.groupby(["store_id", "product_id", "week"], sort=False)
        .agg(
            units=("units", "sum"),
            price=("price", "mean"),
            base_price=("base_price", "mean"),
            tpr=("promo", "max"),
            facings=("facings", "mean"),
            level_is_eye=("level_is_eye", "max"),
            display=("display", "max"),
        )
        .reset_index()
        .rename(columns={"week": "date"})
    )
    cats = data.products_frame(weekly["product_id"].unique())[["product_id", "category"]]
    weekly = weekly.merge(cats, on="product_id")
    weekly["category"] = weekly["category"].astype(str)
    return weekly


def shelf_response_fit(*, run: TrainingRun, end: dt.date | None = None) -> ModelVersion:
    """Estimate the space response from the stores' sales under their recorded layouts (priors
    where layouts never varied), register it and make it the serving `shelf` version."""
    end = end or timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=RESPONSE_HISTORY_DAYS - 1)
    frame = response_frame(store_ids=data.active_store_ids(), start=start, end=end)
    response = (
        estimate_space_response(frame) if not frame.empty else SpaceResponse(ResponseParams(), ())
    )
    shrunk = [e for e in response.estimates if e.weight_on_data > 0]
    metrics = {
        "rows": len(frame),
        "series_with_layout": (
            int(frame[["store_id", "product_id"]].drop_duplicates().shape[0])
            if not frame.empty
            else 0
        ),
        "categories_from_data": sorted({e.category for e in shrunk}),
        "estimates": [asdict(e) for e in response.estimates],
        "default": asdict(response.params.default),
    }
    version = registry.model_register(
        kind=ModelKind.SHELF,
        model=response,
        parameters={"history_days": RESPONSE_HISTORY_DAYS},
        metrics=metrics,
        data_start=start,
        data_end=end,
        note=(
            f"{len(shrunk)} effects estimated from layouts, the rest at their priors"
            if shrunk
            else "no layout variation yet: literature priors"
        ),
    )
    TrainingRun.objects.filter(pk=run.pk).update(model_version=version)
    return registry.model_promote(version=version, note="space response of the weekly run")


def _response_for(version: ModelVersion | None) -> ResponseParams:
    if version is None:
        return ResponseParams()
    try:
        return registry.load_model(version).params
    except (OSError, AttributeError):
        logger.exception("shelf response artifact unreadable; planning with the priors")
        return ResponseParams()


# --- demand -------------------------------------------------------------------------------------


def _fallback_demand(store_ids: Sequence[int], end: dt.date) -> dict[tuple[int, int], float]:
    sales = data.sales_frame(
        store_ids=store_ids, start=end - dt.timedelta(days=FALLBACK_DAYS - 1), end=end
    )
    if sales.empty:
        return {}
    totals = sales.groupby(["store_id", "product_id"])["units"].sum() / FALLBACK_DAYS
    return {(int(s), int(p)): float(v) for (s, p), v in totals.items()}


def _forecast_demand(store_ids: Sequence[int], end: dt.date) -> dict[tuple[int, int], float]:
    """Mean daily units over the next week from the active forecast model ({} without one)."""
    from recommendations.engine.forecast import predict

    version = registry.active_model(ModelKind.FORECAST)
    if version is None:
        return {}
    try:
        model = registry.load_model(version)
        panel = data.sales_panel(store_ids=store_ids, end=end)
        if panel is None:
            return {}
        days = min(FORECAST_DAYS, model.params.horizon)
        result = predict(model, panel, days)
    except Exception:
        logger.exception("forecast for shelf plans failed; using recent sales averages")
        return {}
    mean = result.mean[:, :days].mean(axis=1)
    return {
        (int(s), int(p)): float(m)
        for s, p, m in zip(result.store_ids, result.product_ids, mean, strict=True)
    }


def daily_demand(store_ids: Sequence[int], now: dt.datetime) -> dict[tuple[int, int], float]:
    """(store, product) -> expected units a day: the forecast where the model covers the series,
    else the 28-day sales average."""
    end = timezone.localdate(now) - dt.timedelta(days=1)
    demand = _fallback_demand(store_ids, end)
    demand.update(_forecast_demand(store_ids, end))
    return demand


# --- building the engine's inputs -----------------------------------------------------------------


def fixture_spec(fixture: Fixture) -> FixtureSpec:
    return FixtureSpec(
        fixture_id=fixture.pk,
        width_cm=float(fixture.width_cm),
        levels=int(fixture.levels),
        eye_level=int(fixture.eye_level),
        kind=fixture.kind,
        name=fixture.name,
    )


@dataclass(frozen=True)
class CurrentLayout:
    """A store's current layouts: fixture -> placements, and where each product sits."""

    by_fixture: Mapping[int, list[Placement]]
    where: Mapping[int, tuple[int, Placement]]  # product -> (fixture, placement)


def current_layouts(store_ids: Sequence[int]) -> dict[int, CurrentLayout]:
    items = (
        ShelfPlanItem.objects.filter(
            plan__store_id__in=list(store_ids), plan__source=Source.CURRENT, plan__is_current=True
        )
        .select_related("plan", "product")
        .order_by("plan_id", "level", "position")
    )
    stores: dict[int, dict[int, list[ShelfPlanItem]]] = {}
    for it in items:
        stores.setdefault(it.plan.store_id, {}).setdefault(it.plan.fixture_id, []).append(it)
    out: dict[int, CurrentLayout] = {}
    for sid, fixtures in stores.items():
        by_fixture = {fid: placements_from_items(its) for fid, its in fixtures.items()}
        where = {int(pl.product_id): (fid, pl) for fid, pls in by_fixture.items() for pl in pls}
        out[sid] = CurrentLayout(by_fixture, where)
    return out


def placements_from_items(items: Sequence[ShelfPlanItem]) -> list[Placement]:
    """Placements of a stored plan (x positions from the products' widths, left to right)."""
    out: list[Placement] = []
    x: dict[int, float] = {}
    for it in sorted(items, key=lambda i: (i.level, i.position)):
        width = float(it.product.width_cm) * it.facings
        left = x.get(it.level, 0.0)
        out.append(
            Placement(
                product_id=it.product_id,
                level=it.level,
                position=it.position,
                facings=it.facings,
                x_cm=left,
                width_cm=width,
                category=str(it.product.category_id),
                expected_daily_profit=float(it.expected_daily_profit),
            )
        )
        x[it.level] = left + width
    return out


def _units_per_facing(depth_cm: float, product_depth: float) -> int:
    return max(math.floor(depth_cm / max(product_depth, 1.0)), 1)


def product_specs(
    *,
    store: Store,
    fixtures: Sequence[Fixture],
    products: pd.DataFrame,
    demand: Mapping[tuple[int, int], float],
    current: CurrentLayout | None,
    days_of_supply: float,
) -> list[ProductSpec]:
    """The store's carried products (rows of `products`, indexed by product id) as specs. The
    reference layout is the current one where recorded (the demand was observed under it)."""
    depth_dry = float(np.median([f.depth_cm for f in fixtures if f.kind != "cooler"] or [40]))
    depth_cold = float(np.median([f.depth_cm for f in fixtures if f.kind == "cooler"] or [50]))
    kinds = {f.pk: f for f in fixtures}
    specs = []
    for pid, row in products.iterrows():
        ref = current.where.get(int(pid)) if current else None
        ref_fixture = kinds.get(ref[0]) if ref else None
        chilled = bool(row["requires_chilling"])
        specs.append(
            ProductSpec(
                product_id=int(pid),
                category=str(row["category"]),
                width_cm=max(float(row["width_cm"]), 0.5),
                unit_margin=max(float(row["retail_price"]) - float(row["unit_cost"]), 0.0),
                daily_demand=max(float(demand.get((store.pk, int(pid)), 0.0)), 0.0),
                units_per_facing=_units_per_facing(
                    depth_cold if chilled else depth_dry, float(row["depth_cm"])
                ),
                days_of_supply=days_of_supply,
                requires_chilling=chilled,
                name=str(row["name"]),
                name_en=str(row["name_en"] or row["name"]),
                ref_facings=float(ref[1].facings) if ref else DEFAULT_REF_FACINGS,
                ref_eye_level=bool(
                    ref and ref_fixture is not None and ref[1].level == ref_fixture.eye_level
                ),
                ref_display=bool(ref_fixture is not None and ref_fixture.kind == "end_cap"),
            )
        )
    return specs


def _days_of_supply(store: Store, now: dt.datetime) -> float:
    from .scoring import delivery_schedule

    if store.warehouse_id is None:
        return MAX_DAYS_OF_SUPPLY
    _arrival, protection = delivery_schedule(store, now, int(MAX_DAYS_OF_SUPPLY))
    return float(min(max(protection, 1), MAX_DAYS_OF_SUPPLY))


def _inputs(specs: Sequence[ProductSpec], response: ResponseParams) -> dict[str, Any]:
    cats = sorted({s.category for s in specs})
    return {
        "products": [asdict(s) for s in specs],
        "response": {c: asdict(response.for_category(c)) for c in cats},
    }


def inputs_specs(inputs: Mapping[str, Any]) -> tuple[list[ProductSpec], ResponseParams]:
    specs = [ProductSpec(**p) for p in inputs.get("products", [])]
    by_cat = {c: CategoryResponse(**v) for c, v in inputs.get("response", {}).items()}
    return specs, ResponseParams(by_cat)


# --- the weekly chunk: plan every fixture of some stores ------------------------------------------


@dataclass(frozen=True)
class StorePlans:
    store: Store
    fixtures: list[Fixture]
    specs: list[ProductSpec]
    plans: dict[int, FixturePlan]
    current: CurrentLayout | None


def _carried_products(store_ids: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    stock = data.stock_frame(store_ids)
    products = data.products_frame(stock["product_id"].unique()).set_index("product_id")
    active = set(
        Product.objects.filter(pk__in=products.index, is_active=True).values_list("pk", flat=True)
    )
    products = products[products.index.isin(active)]
    return stock[stock["product_id"].isin(products.index)], products


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
    stock, products = _carried_products([s.pk for s in stores])
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
            days_of_supply=_days_of_supply(store, now),
        )
        _assignment, plans = plan_store([fixture_spec(f) for f in fxs], specs, response, params)
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
        diff = diff_plan(current, plan, specs, response)
        row = ShelfPlan(
            store=sp.store,
            fixture=fx,
            run=run,
            source=Source.RECOMMENDED,
            expected_daily_profit=_money(plan.expected_daily_profit),
            current_daily_profit=_money(diff.current_daily_profit),
            upper_bound=_money(plan.upper_bound),
            inputs=_inputs(specs, response),
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
                expected_daily_profit=_money(p.expected_daily_profit),
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
    response = _response_for(version)
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


# --- reading a plan: items, the change list, the planogram ------------------------------------


@dataclass(frozen=True)
class PlanView:
    """A recommended plan with what the API and the admin show: its placements, the current
    layout and the change list between them, the product names."""

    plan: ShelfPlan
    fixture: FixtureSpec
    placements: list[Placement]
    current: list[Placement]
    diff: PlanDiff
    products: dict[int, Product]


def recommended_plan_get(*, store: Store, fixture_id: Any) -> ShelfPlan:
    plan = (
        ShelfPlan.objects.filter(
            store=store, fixture_id=fixture_id, source=Source.RECOMMENDED, is_current=True
        )
        .select_related("fixture")
        .first()
    )
    if plan is None:
        raise NotFound(_("No shelf plan for this fixture yet."), code="not_found")
    return plan


def _current_plan(fixture_id: int) -> ShelfPlan | None:
    return ShelfPlan.objects.filter(
        fixture_id=fixture_id, source=Source.CURRENT, is_current=True
    ).first()


def plan_items(plan: ShelfPlan | None) -> list[ShelfPlanItem]:
    if plan is None:
        return []
    return list(plan.items.select_related("product").order_by("level", "position"))


def plan_view(plan: ShelfPlan) -> PlanView:
    fx = fixture_spec(plan.fixture)
    items = plan_items(plan)
    current_items = plan_items(_current_plan(plan.fixture_id))
    placements = placements_from_items(items)
    current = placements_from_items(current_items)
    specs, response = inputs_specs(plan.inputs)
    products = {it.product_id: it.product for it in [*items, *current_items]}
    fixture_plan = FixturePlan(fx, tuple(placements), expected_daily_profit=0.0)
    diff = diff_plan(current, fixture_plan, specs, response)
    return PlanView(plan, fx, placements, current, diff, products)


def current_layout_get(*, fixture: Fixture) -> ShelfPlan:
    plan = _current_plan(fixture.pk)
    if plan is None:
        raise NotFound(_("No layout recorded for this fixture yet."))
    return plan


def product_names(product_ids: Sequence[int], lang: str | None) -> dict[int, str]:
    return {p.pk: product_label(p, lang) for p in Product.objects.filter(pk__in=list(product_ids))}


def product_label(product: Product, lang: str | None) -> str:
    if lang and not lang.lower().startswith("zh"):
        return product.name_en or product.name
    return product.name


def planogram_svg(view: PlanView, *, lang: str | None = None) -> str:
    names: dict[int | str, str] = {pid: product_label(p, lang) for pid, p in view.products.items()}
    cats = dict(
        Product.objects.filter(pk__in=list(view.products)).values_list(
            "pk", "category__name" if not lang or lang.startswith("zh") else "category__name_en"
        )
    )
    placements = tuple(
        Placement(**{**asdict(p), "category": cats.get(p.product_id) or p.category})
        for p in view.placements
    )
    plan = FixturePlan(view.fixture, placements)
    title = f"{view.plan.fixture.name} ({view.plan.store.code})"
    return render_planogram(plan, names, title=title)


# --- the store's current layout -----------------------------------------------------------------


@dataclass(frozen=True)
class LayoutItem:
    product_id: int
    level: int
    facings: int
    position: int | None = None


def _layout_check(fixture: Fixture, items: Sequence[LayoutItem]) -> dict[int, Product]:
    errors: dict[str, list[str]] = {}
    if len(items) > MAX_LAYOUT_ITEMS:
        raise ValidationFailed(
            _("Too many items."),
            fields={"items": [_("At most %(n)d items.") % {"n": MAX_LAYOUT_ITEMS}]},
        )
    products = Product.objects.in_bulk({i.product_id for i in items})
    seen: set[int] = set()
    used: dict[int, float] = {}
    positions: dict[int, set[int]] = {}
    for k, it in enumerate(items):
        at = f"items[{k}]"
        product = products.get(it.product_id)
        if product is None:
            errors[f"{at}.product"] = [_("Unknown product.")]
            continue
        if it.product_id in seen:
            errors[f"{at}.product"] = [_("This product is already on another item.")]
            continue
        seen.add(it.product_id)
        if not 1 <= it.level <= fixture.levels:
            errors[f"{at}.level"] = [
                _("Level must be between 1 and %(n)d.") % {"n": fixture.levels}
            ]
            continue
        if not 1 <= it.facings <= MAX_FACINGS_RECORDED:
            errors[f"{at}.facings"] = [
                _("Facings must be between 1 and %(n)d.") % {"n": MAX_FACINGS_RECORDED}
            ]
            continue
        if it.position is not None:
            if it.position in positions.setdefault(it.level, set()):
                errors[f"{at}.position"] = [_("Two items share this position on the level.")]
                continue
            positions[it.level].add(it.position)
        used[it.level] = used.get(it.level, 0.0) + float(product.width_cm) * it.facings
        if used[it.level] > fixture.width_cm + 1e-6:
            errors[f"{at}.facings"] = [
                _("Level %(level)d is %(width)d cm wide; these facings do not fit.")
                % {"level": it.level, "width": fixture.width_cm}
            ]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)
    return products


@transaction.atomic
def shelf_layout_record(
    *, store: Store, fixture: Fixture, items: Sequence[LayoutItem], user: Any | None = None
) -> ShelfPlan:
    """Record what the fixture looks like today; the previous current layout becomes history.
    The recommended plan's current profit is recomputed against it."""
    if fixture.store_id != store.pk:
        raise NotFound(_("Fixture not found."))
    Fixture.objects.select_for_update().filter(pk=fixture.pk).first()  # serialise recorders
    products = _layout_check(fixture, items)
    ShelfPlan.objects.filter(fixture=fixture, source=Source.CURRENT, is_current=True).update(
        is_current=False, updated_at=timezone.now()
    )
    plan = ShelfPlan.objects.create(
        store=store,
        fixture=fixture,
        source=Source.CURRENT,
        is_current=True,
        created_by=user if getattr(user, "pk", None) else None,
    )
    rows: list[ShelfPlanItem] = []
    levels: dict[int, list[LayoutItem]] = {}
    for it in items:
        levels.setdefault(it.level, []).append(it)
    for level, its in levels.items():
        ordered = sorted(
            enumerate(its), key=lambda e: (e[1].position is None, e[1].position or 0, e[0])
        )
        for pos, (_k, it) in enumerate(ordered, start=1):
            rows.append(
                ShelfPlanItem(
                    plan=plan,
                    product=products[it.product_id],
                    level=level,
                    position=pos,
                    facings=it.facings,
                )
            )
    ShelfPlanItem.objects.bulk_create(rows)
    recommended = ShelfPlan.objects.filter(
        fixture=fixture, source=Source.RECOMMENDED, is_current=True
    ).first()
    if recommended is not None:
        view = plan_view(recommended)
        ShelfPlan.objects.filter(pk=recommended.pk).update(
            current_daily_profit=_money(view.diff.current_daily_profit), updated_at=timezone.now()
        )
    return plan


def naive_layout(
    fixture: FixtureSpec, products: Sequence[ProductSpec], facings: int = 2
) -> list[Placement]:
    """A plain layout, as a store might have it without a plan: products by category then id,
    `facings` each (1 when the level is too full), top level first, left to right; products
    that do not fit are left off."""
    out: list[Placement] = []
    level, x, pos = fixture.levels, 0.0, 0
    for p in sorted(products, key=lambda p: (p.category, str(p.product_id))):
        while level >= 1:
            f = next((f for f in (facings, 1) if x + p.width_cm * f <= fixture.width_cm), 0)
            if f:
                pos += 1
                out.append(Placement(p.product_id, level, pos, f, x, p.width_cm * f, p.category))
                x += p.width_cm * f
                break
            if x == 0:  # wider than an empty level: left off
                break
            level, x, pos = level - 1, 0.0, 0
    return out


def shelf_layouts_seed(*, store_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Give every fixture without a recorded layout a naive current layout (demo and tests):
    the store's carried products assigned to fixtures as the planner would, laid out plainly."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(pk__in=list(store_ids)).select_related("warehouse"))
    have = set(
        ShelfPlan.objects.filter(
            store__in=stores, source=Source.CURRENT, is_current=True
        ).values_list("fixture_id", flat=True)
    )
    stock, products = _carried_products([s.pk for s in stores])
    demand = _fallback_demand([s.pk for s in stores], timezone.localdate(now))
    written = 0
    for store in stores:
        fxs = [f for f in Fixture.objects.filter(store=store).order_by("pk") if f.pk not in have]
        if not fxs:
            continue
        pids = stock.loc[stock["store_id"] == store.pk, "product_id"].to_numpy()
        specs = product_specs(
            store=store,
            fixtures=fxs,
            products=products.loc[pids],
            demand=demand,
            current=None,
            days_of_supply=MAX_DAYS_OF_SUPPLY,
        )
        by_id = {s.product_id: s for s in specs}
        assignment = assign_products_to_fixtures([fixture_spec(f) for f in fxs], specs)
        for fx in fxs:
            placements = naive_layout(
                fixture_spec(fx), [by_id[p] for p in assignment.by_fixture[fx.pk]]
            )
            shelf_layout_record(
                store=store,
                fixture=fx,
                items=[
                    LayoutItem(int(p.product_id), p.level, p.facings, p.position)
                    for p in placements
                ],
            )
            written += 1
    return written
