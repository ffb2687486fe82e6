"""Keep only the changes that pay: a plan settled against the store's current layout.

The planner optimises each fixture from scratch, so its plan differs from today's layout in many
places that gain nothing (a product that sells nothing moved down a level, a facing swapped
between two equal sellers). `settle_plans` starts from the plans and puts back, one product at a
time, today's placement of every product whose change does not gain at least a cent a day (the
largest losses first), as long as the layouts stay valid: level widths, facing caps, chilled
products in coolers and categories in contiguous blocks. A change that cannot be put back is
required (it makes room for one that gains, or it is the last product of a fixture that would
otherwise stand empty) and stays. Products are separable in the response
model, so a put-back changes only that product's profit: up (a losing change undone) or down by
under `MIN_GAIN` (a change that gained less); the change list of the settled plans lists only
gains and the changes those gains need.

A product that moves between fixtures is one change (a remove on one fixture, an add on the
other), put back or kept as a whole, so a product is never on two fixtures nor lost between them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .changes import placement_profit
from .planner import facing_bounds
from .types import (
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanParams,
    ProductSpec,
    ResponseParams,
    Unplaced,
)

MIN_GAIN = 0.005  # a change must gain at least a cent a day once rounded to cents
EPS = 1e-6


@dataclass(frozen=True)
class _Spot:
    fixture_id: int | str
    level: int
    facings: int


class _Layouts:
    """Mutable per-fixture levels (product ids in position order) for trial put-backs."""

    def __init__(self, plans: Mapping[int | str, FixturePlan], by_id: Mapping, params: PlanParams):
        self.fixtures = {fid: plan.fixture for fid, plan in plans.items()}
        self.by_id = by_id
        self.params = params
        self.levels: dict[int | str, dict[int, list[int | str]]] = {}
        self.facings: dict[int | str, int] = {}
        for fid, plan in plans.items():
            rows: dict[int, list[int | str]] = {lv: [] for lv in range(1, plan.fixture.levels + 1)}
            for p in sorted(plan.placements, key=lambda p: (p.level, p.position)):
                rows[p.level].append(p.product_id)
                self.facings[p.product_id] = p.facings
            self.levels[fid] = rows

    def used(self, fid: int | str, level: int) -> float:
        return sum(self.by_id[i].width_cm * self.facings[i] for i in self.levels[fid][level])

    def count(self, fid: int | str) -> int:
        return sum(len(row) for row in self.levels[fid].values())

    def contiguous(self, fid: int | str) -> bool:
        seen: set[str] = set()
        prev = None
        for lv in sorted(self.levels[fid], reverse=True):
            for i in self.levels[fid][lv]:
                cat = self.by_id[i].category
                if cat != prev:
                    if cat in seen:
                        return False
                    seen.add(cat)
                    prev = cat
        return True

    def can_hold(self, fx: FixtureSpec, product: ProductSpec, facings: int) -> bool:
        if product.requires_chilling and fx.kind != "cooler":
            return False
        return 1 <= facings <= facing_bounds(product, fx, self.params)[1]

    def insert(self, pid: int | str, spot: _Spot) -> bool:
        """Place ``pid`` at ``spot`` where its category block allows; False (nothing changed) if
        no position keeps the level within its width and the categories contiguous."""
        fx = self.fixtures[spot.fixture_id]
        product = self.by_id[pid]
        if spot.level not in self.levels[spot.fixture_id] or not self.can_hold(
            fx, product, spot.facings
        ):
            return False
        row = self.levels[spot.fixture_id][spot.level]
        self.facings[pid] = spot.facings
        if self.used(spot.fixture_id, spot.level) + product.width_cm * spot.facings > (
            fx.width_cm + EPS
        ):
            del self.facings[pid]
            return False
        same = [k for k, i in enumerate(row) if self.by_id[i].category == product.category]
        # next to its own category first, then anywhere
        tries = [*(k + 1 for k in same), *(k for k in same), *range(len(row) + 1)]
        for k in dict.fromkeys(tries):
            row.insert(k, pid)
            if self.contiguous(spot.fixture_id):
                return True
            row.pop(k)
        del self.facings[pid]
        return False

    def take(self, pid: int | str, spot: _Spot) -> None:
        self.levels[spot.fixture_id][spot.level].remove(pid)
        del self.facings[pid]


def settle_plans(
    plans: Mapping[int | str, FixturePlan],
    current: Mapping[int | str, Sequence[Placement]],
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    params: PlanParams | None = None,
) -> dict[int | str, FixturePlan]:
    """``plans`` (fixture id -> plan) with every non-gaining change put back to ``current``
    (fixture id -> today's placements) where the layouts stay valid. Products without a spec
    (no longer carried) cannot be put back: their removal stays. A new product whose addition
    gains nothing is left off and reported ``Unplaced(reason="no_gain")``."""
    response = response or ResponseParams()
    params = params or PlanParams()
    by_id = {p.product_id: p for p in products}
    now: dict[int | str, _Spot] = {}
    for fid, pls in current.items():
        if fid in plans:
            for pl in pls:
                now[pl.product_id] = _Spot(fid, pl.level, pl.facings)
    planned = {
        p.product_id: _Spot(fid, p.level, p.facings)
        for fid, plan in plans.items()
        for p in plan.placements
    }

    def profit(spot: _Spot | None, pid: int | str) -> float:
        if spot is None:
            return 0.0
        fx = plans[spot.fixture_id].fixture
        return placement_profit(
            fx, by_id[pid], Placement(pid, spot.level, 1, spot.facings), response
        )

    gains = {
        pid: profit(planned.get(pid), pid) - profit(now.get(pid), pid)
        for pid in {*now, *planned}
        if pid in by_id and now.get(pid) != planned.get(pid)
    }
    layouts = _Layouts(plans, by_id, params)
    put_back: set[int | str] = set()
    pending = sorted(
        (p for p, g in gains.items() if g < MIN_GAIN), key=lambda p: (gains[p], str(p))
    )
    while pending:  # a put-back can make room for one tried before it: again until none moves
        kept: list[int | str] = []
        for pid in pending:
            to, back = planned.get(pid), now.get(pid)
            leaves = to is not None and (back is None or back.fixture_id != to.fixture_id)
            if leaves and to is not None and layouts.count(to.fixture_id) == 1:
                kept.append(pid)  # the fixture's last product: covering every fixture is required
                continue
            if to is not None:
                layouts.take(pid, to)
            if back is None or layouts.insert(pid, back):
                put_back.add(pid)
                continue
            if to is not None and not layouts.insert(pid, to):  # its own place: always free
                raise RuntimeError(f"product {pid}: planned place lost while settling")
            kept.append(pid)
        if len(kept) == len(pending):
            break
        pending = kept
    if not put_back:
        return dict(plans)
    placed = {pid for rows in layouts.levels.values() for row in rows.values() for pid in row}
    out: dict[int | str, FixturePlan] = {}
    for fid, plan in plans.items():
        fx = plan.fixture
        placements: list[Placement] = []
        for level in range(fx.levels, 0, -1):
            x = 0.0
            for pos, pid in enumerate(layouts.levels[fid][level], start=1):
                f = layouts.facings[pid]
                pl = Placement(
                    pid,
                    level,
                    pos,
                    f,
                    x_cm=round(x, 3),
                    width_cm=round(f * by_id[pid].width_cm, 3),
                    category=by_id[pid].category,
                )
                placements.append(
                    replace(
                        pl, expected_daily_profit=placement_profit(fx, by_id[pid], pl, response)
                    )
                )
                x += f * by_id[pid].width_cm
        unplaced = [u for u in plan.unplaced if u.product_id not in placed]
        unplaced += [
            Unplaced(pid, "no_gain")
            for pid in put_back
            if planned.get(pid) is not None
            and planned[pid].fixture_id == fid
            and now.get(pid) is None
        ]
        shortfall = tuple(
            p.product_id
            for p in placements
            if p.facings < facing_bounds(by_id[p.product_id], fx, params)[0]
        )
        out[fid] = FixturePlan(
            fx,
            tuple(placements),
            tuple(sorted(unplaced, key=lambda u: str(u.product_id))),
            shortfall,
            sum(p.expected_daily_profit for p in placements),
            plan.upper_bound,
        )
    return out
