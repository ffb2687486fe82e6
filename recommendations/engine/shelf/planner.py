"""Plan one fixture: which products on which level, in what order, with how many facings.

The layout is a sequence of products (grouped by category) read top level first, left to right,
cut into consecutive segments, one per level. Any such cut keeps every category in a contiguous
block (in reading order, over an interval of levels). For a given sequence a dynamic programme
over (products placed, levels used) finds the best cuts, each segment's facings coming from the
concave knapsack of ``knapsack.py`` with that level's response (eye level or not). A handful of
sequences is tried: the densest category (profit per cm) placed so it can take the eye level,
with the less dense categories before or after it, and products ordered so the densest sit
nearest the eye level.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .knapsack import Allocation, allocate_facings, lp_bound, profit_curve
from .types import (
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanParams,
    ProductSpec,
    ResponseParams,
    Unplaced,
)

NEG = float("-inf")
STAY_BONUS = 0.005  # currency a day: half a cent, what a change must gain to be listed


@dataclass(frozen=True)
class _Item:
    product: ProductSpec
    lo_dos: int
    hi: int
    curve_eye: tuple[float, ...]  # daily profit at 0..hi facings, on the eye level
    curve_other: tuple[float, ...]  # ... on any other level
    stay: int = 0  # the level it is on today (0: not on this fixture)

    def curve(self, level: int, eye: bool) -> tuple[float, ...]:
        """Profit curve on ``level``; staying on today's level is worth ``STAY_BONUS`` a day, so
        a move must gain at least that (ties, and near-ties, keep today's place)."""
        base = self.curve_eye if eye else self.curve_other
        if self.stay != level:
            return base
        return (base[0], *(v + STAY_BONUS for v in base[1:]))

    @property
    def width(self) -> float:
        return self.product.width_cm


def facing_bounds(
    product: ProductSpec, fixture: FixtureSpec, params: PlanParams
) -> tuple[int, int]:
    """(days-of-supply minimum, cap) in facings, within what one level can hold."""
    per_level = math.floor(fixture.width_cm / product.width_cm + 1e-9)
    need = product.daily_demand * product.days_of_supply / product.units_per_facing
    lo = max(1, math.ceil(need - 1e-9))
    hi = max(lo, math.ceil(params.dos_cap_multiplier * need - 1e-9), params.max_facings_floor)
    hi = max(1, min(hi, params.max_facings, per_level))
    return min(lo, hi), hi


def _items(
    products: Sequence[ProductSpec],
    fixture: FixtureSpec,
    response: ResponseParams,
    params: PlanParams,
    stay: Mapping[int | str, int] | None = None,
) -> tuple[list[_Item], list[Unplaced]]:
    items: list[_Item] = []
    unplaced: list[Unplaced] = []
    display = fixture.kind == "end_cap"
    for p in products:
        if p.requires_chilling and fixture.kind != "cooler":
            unplaced.append(Unplaced(p.product_id, "requires_chilling"))
            continue
        if p.width_cm > fixture.width_cm:
            unplaced.append(Unplaced(p.product_id, "too_wide"))
            continue
        lo, hi = facing_bounds(p, fixture, params)
        resp = response.for_category(p.category)
        eye = profit_curve(p, resp, eye=True, display=display, max_facings=hi)
        other = profit_curve(p, resp, eye=False, display=display, max_facings=hi)
        items.append(
            _Item(
                p,
                lo,
                hi,
                tuple(eye.tolist()),
                tuple(other.tolist()),
                int((stay or {}).get(p.product_id, 0)),
            )
        )
    return items, unplaced


def _density(it: _Item, lo: int) -> float:
    return float(it.curve_other[lo]) / (lo * it.width)


def _sequences(items: list[_Item], lo: list[int], limit: int) -> list[list[int]]:
    """Candidate reading orders (indices into ``items``)."""
    by_cat: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_cat.setdefault(it.product.category, []).append(i)

    def cat_density(c: str) -> float:
        idx = by_cat[c]
        return sum(float(items[i].curve_other[lo[i]]) for i in idx) / sum(
            lo[i] * items[i].width for i in idx
        )

    def order(idx: list[int], how: str) -> list[int]:
        desc = sorted(
            idx, key=lambda i: (-_density(items[i], lo[i]), str(items[i].product.product_id))
        )
        if how == "desc":
            return desc
        if how == "asc":
            return desc[::-1]
        tent: list[int] = []  # densest in the middle, the rest alternating outwards
        for k, i in enumerate(desc):
            tent = [*tent, i] if k % 2 else [i, *tent]
        return tent

    cats = sorted(by_cat, key=lambda c: (-cat_density(c), c))
    pivot, rest = cats[0], cats[1:]
    seqs: list[list[int]] = []
    for k in range(len(rest) + 1):
        before = sorted(rest, key=lambda c: (cat_density(c), c))[:k]
        before.sort(key=lambda c: (cat_density(c), c))  # ascending: densest nearest the pivot
        after = [c for c in rest if c not in before]  # descending
        head = [i for c in before for i in order(by_cat[c], "asc")]
        tail = [i for c in after for i in order(by_cat[c], "desc")]
        for how in ("desc", "asc", "tent"):
            seqs.append([*head, *order(by_cat[pivot], how), *tail])
    # Few categories: every category order, the densest category's products peaked ("tent") so
    # the DP can cut its best ones onto the eye level, the others' densest towards it.
    perms = itertools.islice(itertools.permutations(cats), limit if len(cats) > 1 else 0)
    for perm in perms:
        at = perm.index(pivot)
        seqs.append(
            [i for c in perm[:at] for i in order(by_cat[c], "asc")]
            + order(by_cat[pivot], "tent")
            + [i for c in perm[at + 1 :] for i in order(by_cat[c], "desc")]
        )
    if any(it.stay for it in items):
        # today's order: categories as they read today (top level first), each category's
        # products by today's level; categories new to the fixture as one block, tried at every
        # place between the others
        def today_key(i: int) -> tuple[int, float, str]:
            it = items[i]
            return (-it.stay, -_density(it, lo[i]), str(it.product.product_id))

        def top(c: str) -> int:
            return max(items[i].stay for i in by_cat[c])

        old = sorted((c for c in cats if top(c)), key=lambda c: (-top(c), c))
        new = [c for c in cats if not top(c)]
        for at in range(len(old) + 1) if new else (0,):
            seqs.insert(
                at,
                [i for c in [*old[:at], *new, *old[at:]] for i in sorted(by_cat[c], key=today_key)],
            )
    unique: list[list[int]] = []
    for s in seqs:
        if s not in unique:
            unique.append(s)
    return unique[:limit]


_Cache = dict[tuple[frozenset[int], int], tuple[float, dict[int, int]] | None]


def _best_cuts(
    seq: list[int], items: list[_Item], lo: list[int], fixture: FixtureSpec, cache: _Cache
) -> tuple[float, list[tuple[int, int, int, Allocation]]] | None:
    """DP over cut points. Returns (value, [(level, start, end, allocation)]) or None.

    ``cache`` holds segment allocations by product set, shared by every sequence tried."""
    n, width = len(seq), fixture.width_cm
    levels = list(range(fixture.levels, 0, -1))  # reading order: top level first

    def seg(i: int, j: int, level: int) -> Allocation | None:
        idx = seq[i:j]
        eye = level == fixture.eye_level
        # segments holding no product that is on this level today: the same on every level
        # of their kind (eye or not), so they share a cache entry
        key = (frozenset(idx), level if any(items[k].stay == level for k in idx) else -1 - eye)
        if key not in cache:
            alloc = allocate_facings(
                [items[k].width for k in idx],
                [items[k].curve(level, eye) for k in idx],
                [lo[k] for k in idx],
                [items[k].hi for k in idx],
                width,
            )
            cache[key] = (
                None if alloc is None else (alloc.value, dict(zip(idx, alloc.facings, strict=True)))
            )
        hit = cache[key]
        if hit is None:
            return None
        facings = tuple(hit[1][k] for k in idx)
        return Allocation(
            facings, hit[0], sum(items[k].width * f for k, f in zip(idx, facings, strict=True))
        )

    value = np.full((len(levels) + 1, n + 1), NEG)
    back: dict[tuple[int, int], tuple[int, Allocation | None]] = {}
    value[0, 0] = 0.0
    for t, level in enumerate(levels, start=1):
        for j in range(n + 1):
            value[t, j], back[t, j] = value[t - 1, j], (j, None)
            min_width = 0.0
            for i in range(j - 1, -1, -1):
                min_width += lo[seq[i]] * items[seq[i]].width
                if min_width > width + 1e-9:
                    break
                if value[t - 1, i] == NEG:
                    continue
                alloc = seg(i, j, level)
                if alloc is not None and value[t - 1, i] + alloc.value > value[t, j] + 1e-12:
                    value[t, j], back[t, j] = value[t - 1, i] + alloc.value, (i, alloc)
    if value[len(levels), n] == NEG:
        return None
    cuts: list[tuple[int, int, int, Allocation]] = []
    j = n
    for t in range(len(levels), 0, -1):
        i, alloc = back[t, j]
        if alloc is not None:
            cuts.append((levels[t - 1], i, j, alloc))
        j = i
    return float(value[len(levels), n]), cuts[::-1]


def _search(
    items: list[_Item], lo: list[int], fixture: FixtureSpec, params: PlanParams
) -> tuple[float, list[int], list[tuple[int, int, int, Allocation]]] | None:
    if (
        sum(k * it.width for k, it in zip(lo, items, strict=True))
        > fixture.width_cm * fixture.levels
    ):
        return None
    best = None
    cache: _Cache = {}
    for seq in _sequences(items, lo, params.max_orders_tried):
        res = _best_cuts(seq, items, lo, fixture, cache)
        if res is not None and (best is None or res[0] > best[0] + 1e-12):
            best = (res[0], seq, res[1])
    return best


def plan_fixture(
    fixture: FixtureSpec,
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    params: PlanParams | None = None,
    stay: Mapping[int | str, int] | None = None,
) -> FixturePlan:
    """Best layout found for ``products`` on ``fixture``; products that cannot go are reported.
    ``stay`` (product id -> the level it is on today) makes a move worth it only when it gains
    at least ``STAY_BONUS`` a day, and tries today's order among the layouts searched."""
    response = response or ResponseParams()
    params = params or PlanParams()
    items, unplaced = _items(products, fixture, response, params, stay)
    lo = [it.lo_dos for it in items]
    found = _search(items, lo, fixture, params) if items else None
    if found is None and items:
        lo = [1] * len(items)  # days of supply cannot all be met: keep every product, report it
        found = _search(items, lo, fixture, params)
    capacity = fixture.width_cm * fixture.levels
    while found is None and items:
        # Not even one facing each fits: drop the least profitable per cm, and say so.
        worst = min(range(len(items)), key=lambda i: (_density(items[i], 1), -items[i].width))
        unplaced.append(Unplaced(items[worst].product.product_id, "no_space"))
        items.pop(worst)
        lo = [1] * len(items)
        if sum(it.width for it in items) > capacity:
            continue
        found = _search(items, lo, fixture, params) if items else None
    if not items or found is None:
        return FixturePlan(fixture, (), tuple(unplaced))
    _value, seq, cuts = found  # with the stay bonus: the expected profit is summed below
    placements: list[Placement] = []
    for level, i, j, alloc in cuts:
        x = 0.0
        eye = level == fixture.eye_level
        for pos, (k, f) in enumerate(zip(seq[i:j], alloc.facings, strict=True), start=1):
            it = items[k]
            curve = it.curve_eye if eye else it.curve_other
            placements.append(
                Placement(
                    it.product.product_id,
                    level,
                    pos,
                    f,
                    x_cm=round(x, 3),
                    width_cm=round(f * it.width, 3),
                    category=it.product.category,
                    expected_daily_profit=float(curve[f]),
                )
            )
            x += f * it.width
    placements.sort(key=lambda p: (-p.level, p.position))
    facings = {p.product_id: p.facings for p in placements}
    shortfall = tuple(
        it.product.product_id for it in items if facings[it.product.product_id] < it.lo_dos
    )
    bound = lp_bound(
        [it.width for it in items],
        [np.maximum(it.curve_eye, it.curve_other).tolist() for it in items],
        lo,
        [it.hi for it in items],
        capacity,
    )
    value = sum(p.expected_daily_profit for p in placements)
    return FixturePlan(fixture, tuple(placements), tuple(unplaced), shortfall, value, bound)
