"""Integer facings on one width budget: the separable concave knapsack.

maximise sum_i v_i(f_i)  s.t.  sum_i w_i f_i <= W,  lo_i <= f_i <= hi_i,  f_i integer,
with every v_i concave. Greedy on marginal gain per cm, then a drop-one-and-refill repair.
With equal widths the greedy alone is exact (an exchange argument: every increment costs the same,
and concavity makes the best prefix of each product's increments the best set). With unequal widths
it can miss by at most one increment; ``lp_bound`` (the fractional relaxation, which the sorted
increments solve exactly) certifies the gap of every answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .types import CategoryResponse, ProductSpec

EPS = 1e-9


def profit_curve(
    product: ProductSpec,
    response: CategoryResponse,
    *,
    eye: bool,
    display: bool,
    max_facings: int,
) -> np.ndarray:
    """Expected daily gross profit at 0..max_facings facings (index = facings).

    Sales = min(demand response, what the shelf holds per day until the next delivery): the first
    term is concave (beta <= 1), the second linear, so the minimum stays concave.
    """
    beta = float(np.clip(response.facings_beta, 0.0, 1.0))
    mult = (1.0 + response.eye_lift) ** (int(eye) - int(product.ref_eye_level))
    mult *= (1.0 + response.display_lift) ** (int(display) - int(product.ref_display))
    f = np.arange(max_facings + 1, dtype=float)
    demand = product.daily_demand * mult * (f / product.ref_facings) ** beta
    if product.days_of_supply > 0:
        demand = np.minimum(demand, f * product.units_per_facing / product.days_of_supply)
    return product.unit_margin * demand


@dataclass(frozen=True)
class Allocation:
    facings: tuple[int, ...]
    value: float
    used_cm: float


def _value(curves: Sequence[Sequence[float]], f: Sequence[int]) -> float:
    return sum(c[k] for c, k in zip(curves, f, strict=True))


def _increments(
    widths: Sequence[float],
    curves: Sequence[Sequence[float]],
    start: Sequence[int],
    hi: Sequence[int],
    skip: int = -1,
) -> list[tuple[float, int, int]]:
    """(-gain per cm, product, facing) from ``start`` up, best first.

    Gains are made non-increasing per product (a running minimum) so that rounding noise on a
    linear stretch cannot put facing k+1 before facing k in the order.
    """
    cands = []
    for i, (w, c) in enumerate(zip(widths, curves, strict=True)):
        if i == skip:
            continue
        prev = float("inf")
        for k in range(start[i] + 1, hi[i] + 1):
            prev = min(prev, (c[k] - c[k - 1]) / w)
            cands.append((-prev, i, k))
    cands.sort()
    return cands


def _fill(
    f: list[int],
    widths: Sequence[float],
    curves: Sequence[Sequence[float]],
    hi: Sequence[int],
    room: float,
    skip: int = -1,
) -> tuple[float, bool]:
    """Add increments best gain-per-cm first while they fit; mutates ``f``.

    Returns the room left and whether a worthwhile increment had to be passed over for lack of
    room (if none was, the greedy answer is optimal and needs no repair).
    """
    cands = _increments(widths, curves, f, hi, skip)
    passed_over = False
    for neg_ratio, i, k in cands:
        if -neg_ratio <= EPS:
            break
        if k == f[i] + 1:
            if widths[i] <= room + EPS:
                f[i] = k
                room -= widths[i]
            else:
                passed_over = True
    return room, passed_over


def allocate_facings(
    widths: Sequence[float],
    curves: Sequence[Sequence[float]],
    lo: Sequence[int],
    hi: Sequence[int],
    capacity: float,
) -> Allocation | None:
    """Greedy + repair. None when even the lower bounds do not fit."""
    room = capacity - sum(w * k for w, k in zip(widths, lo, strict=True))
    if room < -EPS:
        return None
    f = list(lo)
    room, passed_over = _fill(f, widths, curves, hi, room)
    best = _value(curves, f)
    # Equal widths: the greedy is exact. Nothing passed over: every worthwhile increment is in.
    improved = passed_over and max(widths, default=0) - min(widths, default=0) > EPS
    while improved:
        improved = False
        for a in range(len(f)):
            if f[a] <= lo[a]:
                continue
            g = list(f)
            g[a] -= 1
            _fill(g, widths, curves, hi, room + widths[a], skip=a)
            v = _value(curves, g)
            if v > best + 1e-12:
                f, best, improved = g, v, True
                room = capacity - sum(w * k for w, k in zip(widths, f, strict=True))
    used = sum(w * k for w, k in zip(widths, f, strict=True))
    return Allocation(tuple(f), best, used)


def lp_bound(
    widths: Sequence[float],
    curves: Sequence[Sequence[float]],
    lo: Sequence[int],
    hi: Sequence[int],
    capacity: float,
) -> float:
    """Optimum of the fractional relaxation: an upper bound on every integer allocation."""
    room = capacity - sum(w * k for w, k in zip(widths, lo, strict=True))
    if room < -EPS:
        return float("-inf")
    total = _value(curves, lo)
    for neg_ratio, i, _k in _increments(widths, curves, lo, hi):
        ratio = -neg_ratio
        if ratio <= 0 or room <= EPS:
            break
        take = min(1.0, room / widths[i])
        total += take * ratio * widths[i]
        room -= take * widths[i]
    return float(total)


def brute_force_facings(
    widths: Sequence[float],
    curves: Sequence[Sequence[float]],
    lo: Sequence[int],
    hi: Sequence[int],
    capacity: float,
) -> Allocation | None:
    """Exhaustive optimum; for tests and the agreement figures in docs/shelf.md (small cases only)."""
    best: Allocation | None = None
    ranges = [range(a, b + 1) for a, b in zip(lo, hi, strict=True)]
    for f in itertools.product(*ranges):
        used = sum(w * k for w, k in zip(widths, f, strict=True))
        if used > capacity + EPS:
            continue
        v = _value(curves, f)
        if best is None or v > best.value + 1e-12:
            best = Allocation(tuple(f), v, used)
    return best
