"""Shelf-display plans: the weekly run's Django side, the current layouts, the change lists.

The engine (`recommendations.engine.shelf`) plans from plain dataclasses; this package reads the
fixtures, carried products, demand and current layouts into them (`inputs`, `demand`), and writes
`ShelfPlan` rows back in bulk (`planning`). A recommended plan keeps its inputs
(`ShelfPlan.inputs`), so the change list against the store's current layout (`reading`) is
recomputed whenever the owner records a new layout (`layouts`).

Weekly run (the `SHELF` recommender of `services/recommenders.py`): `shelf_response_fit` (once
per run, chain-wide; `response`) estimates the space response and registers it as a `shelf`
model version; `shelf_score_chunk` plans each store of a chunk with the run's version and
replaces the store's recommended plans in the chunk's transaction.
"""

from .demand import daily_demand
from .inputs import (
    CurrentLayout,
    current_layouts,
    fixture_spec,
    inputs_specs,
    placements_from_items,
    product_specs,
)
from .layouts import (
    MAX_FACINGS_RECORDED,
    MAX_LAYOUT_ITEMS,
    LayoutItem,
    naive_layout,
    shelf_layout_errors,
    shelf_layout_invalid,
    shelf_layout_record,
    shelf_layouts_seed,
)
from .planning import (
    StorePlans,
    plan_stores,
    shelf_plan_chunk_stores,
    shelf_plans_write,
    shelf_score_chunk,
)
from .reading import PlanView, plan_view, planogram_svg, product_label, product_names
from .response import RESPONSE_HISTORY_DAYS, response_frame, shelf_response_fit

__all__ = [
    "MAX_FACINGS_RECORDED",
    "MAX_LAYOUT_ITEMS",
    "RESPONSE_HISTORY_DAYS",
    "CurrentLayout",
    "LayoutItem",
    "PlanView",
    "StorePlans",
    "current_layouts",
    "daily_demand",
    "fixture_spec",
    "inputs_specs",
    "naive_layout",
    "placements_from_items",
    "plan_stores",
    "plan_view",
    "planogram_svg",
    "product_label",
    "product_names",
    "product_specs",
    "response_frame",
    "shelf_layout_errors",
    "shelf_layout_invalid",
    "shelf_layout_record",
    "shelf_layouts_seed",
    "shelf_plan_chunk_stores",
    "shelf_plans_write",
    "shelf_response_fit",
    "shelf_score_chunk",
]
