"""A store's fixtures: which products each gets, then a plan per fixture."""

from __future__ import annotations

from collections.abc import Sequence

from .planner import facing_bounds, plan_fixture
from .types import (
    FixtureAssignment,
    FixturePlan,
    FixtureSpec,
    PlanParams,
    ProductSpec,
    ResponseParams,
    Unplaced,
)

FILL_TARGET = 0.9  # leave room for the ends of levels that whole products cannot fill
KIND_ORDER = {"end_cap": 0, "shelf": 1, "counter": 2, "cooler": 3}


def _need_cm(p: ProductSpec, fx: FixtureSpec, params: PlanParams) -> float:
    return facing_bounds(p, fx, params)[0] * p.width_cm


def assign_products_to_fixtures(
    fixtures: Sequence[FixtureSpec],
    products: Sequence[ProductSpec],
    params: PlanParams | None = None,
) -> FixtureAssignment:
    """Chilled products to coolers, the rest to the other fixtures; a category kept on one fixture
    when one can hold it (first fit, densest categories first, end caps first), else split across
    the fixtures with most room. Overflow still goes somewhere: the fixture plan reports it."""
    params = params or PlanParams()
    out: dict[int | str, list[int | str]] = {f.fixture_id: [] for f in fixtures}
    unplaced: list[Unplaced] = []
    coolers = [f for f in fixtures if f.kind == "cooler"]
    dry = [f for f in fixtures if f.kind != "cooler"] or coolers
    for chilled, pool in ((True, coolers), (False, dry)):
        group = [p for p in products if p.requires_chilling == chilled]
        if not group:
            continue
        if not pool:
            reason = "no_cooler" if chilled else "no_fixture"
            unplaced.extend(Unplaced(p.product_id, reason) for p in group)
            continue
        pool = sorted(
            pool, key=lambda f: (KIND_ORDER[f.kind], -f.width_cm * f.levels, str(f.fixture_id))
        )
        room = {f.fixture_id: f.width_cm * f.levels * FILL_TARGET for f in pool}
        by_cat: dict[str, list[ProductSpec]] = {}
        for p in group:
            by_cat.setdefault(p.category, []).append(p)

        def density(ps: list[ProductSpec]) -> float:
            return sum(p.unit_margin * p.daily_demand for p in ps) / sum(p.width_cm for p in ps)

        for cat in sorted(by_cat, key=lambda c: (-density(by_cat[c]), c)):
            ps = sorted(
                by_cat[cat],
                key=lambda p: (-p.unit_margin * p.daily_demand / p.width_cm, str(p.product_id)),
            )
            home = next(
                (f for f in pool if room[f.fixture_id] >= sum(_need_cm(p, f, params) for p in ps)),
                None,
            )
            for p in ps:
                fx = home
                if fx is None or (p.width_cm > fx.width_cm):
                    fits = [f for f in pool if f.width_cm >= p.width_cm] or pool
                    fx = max(fits, key=lambda f: room[f.fixture_id])
                out[fx.fixture_id].append(p.product_id)
                room[fx.fixture_id] -= _need_cm(p, fx, params)
    return FixtureAssignment({k: tuple(v) for k, v in out.items()}, tuple(unplaced))


def plan_store(
    fixtures: Sequence[FixtureSpec],
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    params: PlanParams | None = None,
) -> tuple[FixtureAssignment, dict[int | str, FixturePlan]]:
    """Assign products to fixtures, then plan each fixture."""
    params = params or PlanParams()
    assignment = assign_products_to_fixtures(fixtures, products, params)
    by_id = {p.product_id: p for p in products}
    plans = {
        fx.fixture_id: plan_fixture(
            fx, [by_id[i] for i in assignment.by_fixture[fx.fixture_id]], response, params
        )
        for fx in fixtures
    }
    return assignment, plans
