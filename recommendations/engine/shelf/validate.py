"""Check a plan against the hard rules; the tests use it, and so can the caller as a safety net."""

from __future__ import annotations

from collections.abc import Sequence

from .planner import facing_bounds
from .types import FixturePlan, PlanParams, ProductSpec

EPS = 1e-6


def reading_order(plan: FixturePlan) -> list[str]:
    """Categories of the placements, top level first, left to right."""
    ordered = sorted(plan.placements, key=lambda p: (-p.level, p.position))
    return [p.category for p in ordered]


def categories_contiguous(plan: FixturePlan) -> bool:
    """Each category one unbroken run in reading order (so over adjacent levels, adjacent places)."""
    seen: set[str] = set()
    prev = None
    for cat in reading_order(plan):
        if cat != prev:
            if cat in seen:
                return False
            seen.add(cat)
            prev = cat
    return True


def plan_violations(
    plan: FixturePlan, products: Sequence[ProductSpec], params: PlanParams | None = None
) -> list[str]:
    params = params or PlanParams()
    fx = plan.fixture
    by_id = {p.product_id: p for p in products}
    errors: list[str] = []
    placed = [p.product_id for p in plan.placements]
    if len(set(placed)) != len(placed):
        errors.append("a product placed twice")
    unplaced = {u.product_id for u in plan.unplaced}
    missing = set(by_id) - set(placed) - unplaced
    if missing:
        errors.append(f"products neither placed nor reported: {sorted(map(str, missing))}")
    for level in range(1, fx.levels + 1):
        row = sorted((p for p in plan.placements if p.level == level), key=lambda p: p.position)
        used = sum(by_id[p.product_id].width_cm * p.facings for p in row)
        if used > fx.width_cm + EPS:
            errors.append(f"level {level}: {used:.1f} cm > {fx.width_cm} cm")
        if [p.position for p in row] != list(range(1, len(row) + 1)):
            errors.append(f"level {level}: positions not 1..n")
        x = 0.0
        for p in row:
            if abs(p.x_cm - x) > 1e-3:
                errors.append(f"product {p.product_id}: x {p.x_cm} != {x}")
            x += by_id[p.product_id].width_cm * p.facings
    for p in plan.placements:
        prod = by_id[p.product_id]
        if not isinstance(p.facings, int) or p.facings < 1:
            errors.append(f"product {p.product_id}: facings {p.facings!r}")
        if not 1 <= p.level <= fx.levels:
            errors.append(f"product {p.product_id}: level {p.level} outside the fixture")
        if prod.requires_chilling and fx.kind != "cooler":
            errors.append(f"product {p.product_id}: chilled product outside a cooler")
        if p.facings > facing_bounds(prod, fx, params)[1]:
            errors.append(f"product {p.product_id}: {p.facings} facings above its cap")
        if p.category != prod.category:
            errors.append(f"product {p.product_id}: category mismatch")
    if not categories_contiguous(plan):
        errors.append(f"categories not contiguous: {reading_order(plan)}")
    return errors
