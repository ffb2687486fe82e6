"""Exhaustive optimum of the fixture problem, for tests and docs figures (tiny cases only)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from .planner import _items
from .types import FixtureSpec, PlanParams, ProductSpec, ResponseParams

EPS = 1e-9


def _contiguous_possible(levels_of: Sequence[int], cats: Sequence[str], n_levels: int) -> bool:
    """Is there a category order whose reading-order layout puts each category in one run?"""
    names = sorted(set(cats))
    per_level = [
        {c for c, lv in zip(cats, levels_of, strict=True) if lv == level}
        for level in range(n_levels, 0, -1)
    ]
    per_level = [s for s in per_level if s]
    for perm in itertools.permutations(names):
        rank = {c: i for i, c in enumerate(perm)}
        if all(
            max(rank[c] for c in a) <= min(rank[c] for c in b)
            for a, b in itertools.pairwise(per_level)
        ):
            return True
    return False


def brute_force_plan_value(
    fixture: FixtureSpec,
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    params: PlanParams | None = None,
) -> float | None:
    """Best expected daily profit over every (level, facings) choice that respects the rules,
    with the same facing bounds as ``plan_fixture`` (days of supply relaxed to 1 facing only when
    no layout meets it). None if nothing fits."""
    response = response or ResponseParams()
    params = params or PlanParams()
    items, _ = _items(products, fixture, response, params)
    cats = [it.product.category for it in items]
    for relaxed in (False, True):
        best: float | None = None
        choices = [
            [
                (level, f)
                for level in range(1, fixture.levels + 1)
                for f in range(1 if relaxed else it.lo_dos, it.hi + 1)
            ]
            for it in items
        ]
        for combo in itertools.product(*choices):
            used = [0.0] * (fixture.levels + 1)
            value = 0.0
            for it, (level, f) in zip(items, combo, strict=True):
                used[level] += f * it.width
                curve = it.curve_eye if level == fixture.eye_level else it.curve_other
                value += curve[f]
            if max(used) > fixture.width_cm + EPS or (best is not None and value <= best):
                continue
            if _contiguous_possible([lv for lv, _ in combo], cats, fixture.levels):
                best = value
        if best is not None:
            return best
    return None
