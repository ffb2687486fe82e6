"""The planner's inputs built from the database: fixtures, carried products with their demand
and margins, the current layouts; and a stored plan's inputs read back."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from catalog.models import Product
from recommendations.engine.shelf import (
    CategoryResponse,
    FixtureSpec,
    Placement,
    ProductSpec,
    ResponseParams,
)
from stores.models import Fixture, Store

from ... import data
from ...models import ShelfPlanItem
from ...selectors import shelf_current_layout_items

DEFAULT_REF_FACINGS = 2.0  # facings assumed when sales were observed without a recorded layout
MAX_DAYS_OF_SUPPLY = 7.0


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
    items = shelf_current_layout_items(store_ids=store_ids)
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


def days_of_supply(store: Store, now: dt.datetime) -> float:
    from ..scoring import delivery_schedule

    if store.warehouse_id is None:
        return MAX_DAYS_OF_SUPPLY
    _arrival, protection = delivery_schedule(store, now, int(MAX_DAYS_OF_SUPPLY))
    return float(min(max(protection, 1), MAX_DAYS_OF_SUPPLY))


def plan_inputs(
    specs: Sequence[ProductSpec],
    response: ResponseParams,
    *,
    elsewhere: Sequence[ProductSpec] = (),
) -> dict[str, Any]:
    """What the planner was given for one fixture (`products`), plus `elsewhere`: products on
    the fixture today that the plan sends to another fixture or off the shelf, kept so their
    removal is priced and never put back here."""
    cats = sorted({s.category for s in [*specs, *elsewhere]})
    return {
        "products": [asdict(s) for s in specs],
        "elsewhere": [asdict(s) for s in elsewhere],
        "response": {c: asdict(response.for_category(c)) for c in cats},
    }


def inputs_specs(inputs: Mapping[str, Any]) -> tuple[list[ProductSpec], ResponseParams]:
    """The fixture's products, then those it had that went elsewhere (see `plan_inputs`)."""
    specs = [ProductSpec(**p) for p in inputs.get("products", [])]
    specs += [ProductSpec(**p) for p in inputs.get("elsewhere", [])]
    by_cat = {c: CategoryResponse(**v) for c, v in inputs.get("response", {}).items()}
    return specs, ResponseParams(by_cat)


def inputs_given(inputs: Mapping[str, Any]) -> set[int | str]:
    """Ids of the products the planner was given for the fixture."""
    return {p["product_id"] for p in inputs.get("products", [])}


def carried_products(store_ids: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    stock = data.stock_frame(store_ids)
    products = data.products_frame(stock["product_id"].unique()).set_index("product_id")
    active = set(
        Product.objects.filter(pk__in=products.index, is_active=True).values_list("pk", flat=True)
    )
    products = products[products.index.isin(active)]
    return stock[stock["product_id"].isin(products.index)], products
