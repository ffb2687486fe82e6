"""Shelf display: space/display response, per-fixture facings plans, change lists, SVG planograms.

Django-free (numpy / pandas / scipy only). See docs/shelf.md for the method and measured results.
"""

from .changes import ChangeInstruction, PlanDiff, diff_plan, layout_profit
from .planner import facing_bounds, plan_fixture
from .response import EffectEstimate, SpaceResponse, estimate_space_response
from .settle import settle_plans
from .store import assign_products_to_fixtures, plan_store
from .svg import render_planogram
from .types import (
    CategoryResponse,
    FixtureAssignment,
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanParams,
    ProductSpec,
    ResponseParams,
    Unplaced,
)
from .validate import plan_violations

__all__ = [
    "CategoryResponse",
    "ChangeInstruction",
    "EffectEstimate",
    "FixtureAssignment",
    "FixturePlan",
    "FixtureSpec",
    "Placement",
    "PlanDiff",
    "PlanParams",
    "ProductSpec",
    "ResponseParams",
    "SpaceResponse",
    "Unplaced",
    "assign_products_to_fixtures",
    "diff_plan",
    "estimate_space_response",
    "facing_bounds",
    "layout_profit",
    "plan_fixture",
    "plan_store",
    "plan_violations",
    "render_planogram",
    "settle_plans",
]
