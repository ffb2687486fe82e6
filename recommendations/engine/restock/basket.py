"""Basket rules on top of the per-line policy: the warehouse's minimum order value and an optional
cash budget. Both work in whole case packs and say what they did instead of padding silently."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np


def sell_probability(levels: np.ndarray, quantiles: np.ndarray, units: np.ndarray) -> np.ndarray:
    """P(demand over the interval > u) per line, from its quantile curve (u: (n,) units)."""
    levels = np.asarray(levels, dtype=float)
    out = np.empty(len(units))
    for i, u in enumerate(units):
        q = np.maximum.accumulate(quantiles[i])
        if u < q[0]:
            cdf = levels[0] * (u / q[0]) if q[0] > 0 else levels[0]
        elif u >= q[-1]:
            # Beyond the last quantile the tail decays at the pace of the upper quantiles.
            scale = max(1.0, q[-1] - q[len(q) // 2])
            cdf = 1 - (1 - levels[-1]) * np.exp(-(u - q[-1]) / scale)
        else:
            cdf = np.interp(u, q, levels)
        out[i] = 1.0 - cdf
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class TopUpResult:
    extra: np.ndarray  # units proposed per line on top of the policy's quantity
    total_before: float
    total_after: float
    reached: bool  # whether the proposals reach the minimum


def minimum_order_topups(
    *,
    quantity: np.ndarray,
    position: np.ndarray,
    case_pack: np.ndarray,
    unit_cost: np.ndarray,
    room: np.ndarray,
    levels: np.ndarray,
    quantiles: np.ndarray,
    min_order_value: float,
) -> TopUpResult:
    """Cheapest extra case packs most likely to sell, until the basket reaches the minimum.

    A pack is scored by the chance that its last unit sells within the protection interval per
    yuan it costs; `room` is how many more units each line can take (capacity and shelf life).
    """
    total = float(np.sum(quantity * unit_cost))
    extra = np.zeros(len(quantity), dtype=np.int64)
    if total >= min_order_value or not len(quantity):
        return TopUpResult(extra, total, total, total >= min_order_value)
    heap: list[tuple[float, int]] = []

    def push(i: int) -> None:
        pack = int(case_pack[i])
        if extra[i] + pack > room[i] or unit_cost[i] <= 0:
            return
        last_unit = position[i] + quantity[i] + extra[i] + pack - 1
        p = sell_probability(levels, quantiles[i : i + 1], np.array([last_unit]))[0]
        heapq.heappush(heap, (-p / (pack * float(unit_cost[i])), i))

    for i in range(len(quantity)):
        push(i)
    after = total
    while after < min_order_value and heap:
        _, i = heapq.heappop(heap)
        extra[i] += int(case_pack[i])
        after += int(case_pack[i]) * float(unit_cost[i])
        push(i)
    return TopUpResult(extra, total, after, after >= min_order_value)


@dataclass(frozen=True)
class BudgetResult:
    quantity: np.ndarray  # the policy's quantities trimmed to the budget, in case packs
    total: float
    expected_profit_protected: np.ndarray  # per line, in money, for the kept quantity


def budget_select(
    *,
    quantity: np.ndarray,
    position: np.ndarray,
    case_pack: np.ndarray,
    unit_cost: np.ndarray,
    unit_margin: np.ndarray,
    levels: np.ndarray,
    quantiles: np.ndarray,
    budget: float,
) -> BudgetResult:
    """Keep the case packs that protect the most expected gross profit per yuan.

    The j-th pack of a line protects margin x sum over its units u of P(demand > u): the expected
    extra units sold because the pack is there. Gains fall pack after pack, so taking packs greedily
    by gain per yuan in order is the right order within a line.
    """
    n = len(quantity)
    packs = (quantity // np.maximum(case_pack, 1)).astype(int)
    gains: list[tuple[float, int, int, float]] = []
    for i in range(n):
        pack = int(case_pack[i])
        for j in range(packs[i]):
            start = position[i] + j * pack
            units = np.arange(start, start + pack)
            p = sell_probability(levels, np.repeat(quantiles[i : i + 1], pack, axis=0), units)
            gain = float(unit_margin[i]) * float(p.sum())
            cost = pack * float(unit_cost[i])
            gains.append((gain / cost if cost > 0 else np.inf, i, j, gain))
    # Within a line, the earlier pack always goes first (its gain per yuan is at least as high).
    gains.sort(key=lambda g: (-g[0], g[1], g[2]))
    kept = np.zeros(n, dtype=np.int64)
    protected = np.zeros(n)
    spent = 0.0
    for _ratio, i, j, gain in gains:
        cost = int(case_pack[i]) * float(unit_cost[i])
        if kept[i] != j * int(case_pack[i]) or spent + cost > budget + 1e-9:
            continue
        kept[i] += int(case_pack[i])
        protected[i] += gain
        spent += cost
    return BudgetResult(kept, spent, protected)
