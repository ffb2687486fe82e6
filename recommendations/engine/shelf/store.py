"""A store's fixtures: which products each gets, then a plan per fixture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .planner import facing_bounds, plan_fixture
from .types import (
    FixtureAssignment,
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanParams,
    ProductSpec,
    ResponseParams,
    Unplaced,
)

FILL_TARGET = 0.9  # leave room for the ends of levels that whole products cannot fill
KIND_ORDER = {"end_cap": 0, "shelf": 1, "counter": 2, "cooler": 3}


def _need_cm(p: ProductSpec, fx: FixtureSpec, params: PlanParams) -> float:
    return facing_bounds(p, fx, params)[0] * p.width_cm


def _fits(p: ProductSpec, fx: FixtureSpec) -> bool:
    return p.width_cm <= fx.width_cm


def assign_products_to_fixtures(
    fixtures: Sequence[FixtureSpec],
    products: Sequence[ProductSpec],
    params: PlanParams | None = None,
    current: Mapping[int | str, int | str] | None = None,
) -> FixtureAssignment:
    """Chilled products to coolers, the rest to the other fixtures (coolers only when there is
    nothing else). Every fixture of a pool is used: categories, densest first, each go whole to
    the fixture of the pool with the most room left as a share of its area (ties: end caps, then
    shelves, counters; larger first), so the first categories take one fixture each and the rest
    fill up the emptiest; a category no single fixture holds is split over the roomiest ones.
    A fixture still empty then takes the least dense products of the fullest fixture that has
    more than one, so no fixture is left bare while the store carries products that fit it.
    ``current`` (product id -> the fixture it is on today) keeps a category on the fixture that
    holds most of it today whenever that fixture still has room for it, so a weekly plan does not
    move goods between fixtures for nothing. Overflow still goes somewhere: the fixture plan
    reports it."""
    params = params or PlanParams()
    out: dict[int | str, list[int | str]] = {f.fixture_id: [] for f in fixtures}
    unplaced: list[Unplaced] = []
    coolers = [f for f in fixtures if f.kind == "cooler"]
    dry = [f for f in fixtures if f.kind != "cooler"] or coolers
    by_id = {p.product_id: p for p in products}
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
        area = {f.fixture_id: f.width_cm * f.levels * FILL_TARGET for f in pool}
        room = dict(area)
        by_cat: dict[str, list[ProductSpec]] = {}
        for p in group:
            by_cat.setdefault(p.category, []).append(p)

        def density(ps: list[ProductSpec]) -> float:
            return sum(p.unit_margin * p.daily_demand for p in ps) / sum(p.width_cm for p in ps)

        def share(
            f: FixtureSpec, room: dict[int | str, float] = room, area: dict[int | str, float] = area
        ) -> float:
            return room[f.fixture_id] / area[f.fixture_id]

        order = sorted(by_cat, key=lambda c: (-density(by_cat[c]), c))
        rank = {c: k for k, c in enumerate(order)}
        for cat in order:
            ps = sorted(
                by_cat[cat],
                key=lambda p: (-p.unit_margin * p.daily_demand / p.width_cm, str(p.product_id)),
            )
            whole = [
                f
                for f in pool
                if all(_fits(p, f) for p in ps)
                and room[f.fixture_id] >= sum(_need_cm(p, f, params) for p in ps)
            ]
            # stable max: the first of the pool order among equal shares
            home = max(whole, key=share, default=None)
            today = [current[p.product_id] for p in ps if current and p.product_id in current]
            stay = [f for f in whole if f.fixture_id in today]
            if stay:
                home = max(stay, key=lambda f: (today.count(f.fixture_id), share(f)))
            for p in ps:
                fx = home
                if fx is None:
                    fits = [f for f in pool if _fits(p, f)] or pool
                    fx = max(fits, key=lambda f: room[f.fixture_id])
                out[fx.fixture_id].append(p.product_id)
                room[fx.fixture_id] -= _need_cm(p, fx, params)
        _fill_empty(pool, out, room, by_id, rank, params)
    return FixtureAssignment({k: tuple(v) for k, v in out.items()}, tuple(unplaced))


def _fill_empty(
    pool: Sequence[FixtureSpec],
    out: dict[int | str, list[int | str]],
    room: dict[int | str, float],
    by_id: dict[int | str, ProductSpec],
    rank: dict[str, int],
    params: PlanParams,
) -> None:
    """Give each empty fixture of ``pool`` products from the fullest fixture holding 2+: its
    least dense categories' products (a whole category when it fits, else its tail), about half
    of what it holds, within the empty fixture's room."""

    def value(pid: int | str) -> float:
        p = by_id[pid]
        return p.unit_margin * p.daily_demand / p.width_cm

    for empty in [f for f in pool if not out[f.fixture_id]]:
        donors = [
            f for f in pool if len([i for i in out[f.fixture_id] if _fits(by_id[i], empty)]) >= 2
        ]
        if not donors:
            continue
        donor = min(donors, key=lambda f: room[f.fixture_id] / (f.width_cm * f.levels))
        held = out[donor.fixture_id]
        # least dense category last in ``rank``; inside it, least dense product first
        movable = sorted(
            (i for i in held if _fits(by_id[i], empty)),
            key=lambda i: (-rank[by_id[i].category], value(i), str(i)),
        )
        target = sum(_need_cm(by_id[i], donor, params) for i in held) / 2
        moved: list[int | str] = []
        got = 0.0
        for i in movable:
            need = _need_cm(by_id[i], empty, params)
            if moved and (got >= target or got + need > room[empty.fixture_id]):
                break
            if len(held) - len(moved) <= 1:
                break
            moved.append(i)
            got += need
        for i in moved:
            held.remove(i)
            room[donor.fixture_id] += _need_cm(by_id[i], donor, params)
            out[empty.fixture_id].append(i)
            room[empty.fixture_id] -= _need_cm(by_id[i], empty, params)


def plan_store(
    fixtures: Sequence[FixtureSpec],
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    params: PlanParams | None = None,
    current: Mapping[int | str, Sequence[Placement]] | None = None,
) -> tuple[FixtureAssignment, dict[int | str, FixturePlan]]:
    """Assign products to fixtures, then plan each. ``current`` (fixture id -> today's
    placements) keeps categories on their fixtures and products on their levels unless moving
    them gains."""
    params = params or PlanParams()
    today = {pl.product_id: fid for fid, pls in (current or {}).items() for pl in pls}
    assignment = assign_products_to_fixtures(fixtures, products, params, today)
    by_id = {p.product_id: p for p in products}
    plans = {
        fx.fixture_id: plan_fixture(
            fx,
            [by_id[i] for i in assignment.by_fixture[fx.fixture_id]],
            response,
            params,
            {pl.product_id: pl.level for pl in (current or {}).get(fx.fixture_id, ())},
        )
        for fx in fixtures
    }
    return assignment, plans
