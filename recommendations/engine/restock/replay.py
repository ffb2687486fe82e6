"""Inventory replay: real demand, period by period, through a simulated store.

Each period: deliveries due arrive; on a review period the policy orders (arriving `lead_time`
periods later); the period's demand is sold from stock and what cannot be served is lost.
Vectorised over series: every array is [n_series].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: A policy: (period t, on hand, on order, history units [n, t]) -> order quantity [n].
OrderFn = Callable[[int, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ReplayConfig:
    start: int  # first replayed period (history before it warms the policies up)
    lead_time: int = 1  # periods between ordering and arrival
    review: int = 1  # periods between two orders
    period_days: int = 1  # 7 for weekly data: inventory is reported in days of supply


@dataclass(frozen=True)
class ReplayResult:
    policy: str
    fill_rate: float  # units sold / units demanded
    stockout_share: float  # share of series-periods with demand left unserved
    avg_inventory_units: float  # mean end-of-period stock per series
    avg_inventory_days: float  # that stock in days of average demand
    avg_inventory_value: float  # in money, at unit cost, summed over series
    orders: int  # order lines placed
    lost_units: float


def replay(
    name: str,
    demand: np.ndarray,
    order_fn: OrderFn,
    config: ReplayConfig,
    *,
    unit_cost: np.ndarray,
    initial_on_hand: np.ndarray,
    active: np.ndarray | None = None,
) -> ReplayResult:
    """Replay `demand` [n, T] from `config.start` to T. `active` [n, T] marks the periods a
    series counts in the metrics (e.g. after its first sale); by default all."""
    n, horizon = demand.shape
    on_hand = initial_on_hand.astype(np.float64).copy()
    pipeline = np.zeros((n, horizon + config.lead_time + 1))
    active = np.ones_like(demand, dtype=bool) if active is None else active
    sold_total = demand_total = lost_total = 0.0
    stockouts = counted = orders = 0
    inv_units = inv_value = 0.0
    for t in range(config.start, horizon):
        on_hand += pipeline[:, t]
        if (t - config.start) % config.review == 0:
            on_order = pipeline[:, t + 1 :].sum(axis=1)
            qty = np.maximum(np.asarray(order_fn(t, on_hand, on_order, demand[:, :t])), 0)
            pipeline[:, t + config.lead_time] += qty
            orders += int((qty > 0).sum())
        d = demand[:, t]
        sold = np.minimum(on_hand, d)
        on_hand -= sold
        m = active[:, t]
        sold_total += float(sold[m].sum())
        demand_total += float(d[m].sum())
        lost_total += float((d - sold)[m].sum())
        stockouts += int(((d > sold) & m).sum())
        counted += int(m.sum())
        inv_units += float(on_hand[m].sum())
        inv_value += float((on_hand * unit_cost)[m].sum())
    periods = max(horizon - config.start, 1)
    mean_demand = demand_total / max(counted, 1)  # per series-period
    avg_inv = inv_units / max(counted, 1)
    return ReplayResult(
        policy=name,
        fill_rate=sold_total / demand_total if demand_total else float("nan"),
        stockout_share=stockouts / max(counted, 1),
        avg_inventory_units=avg_inv,
        avg_inventory_days=avg_inv / mean_demand * config.period_days if mean_demand else 0.0,
        avg_inventory_value=inv_value / periods,
        orders=orders,
        lost_units=lost_total,
    )


def round_to_packs(quantity: np.ndarray, case_pack: np.ndarray) -> np.ndarray:
    pack = np.maximum(case_pack, 1)
    return np.ceil(np.maximum(quantity, 0) / pack - 1e-9) * pack


def min_max_policy(
    case_pack: np.ndarray, *, lead_time: int, review: int, z: float, window: int
) -> OrderFn:
    """The classic reorder-point rule of ERP reordering rules.

    min = mean demand over the lead time + z x std of demand over the lead time;
    max = min + mean demand over the order cycle. When the stock position falls to min or
    below, order up to max, in whole case packs. Mean and std over the last `window` periods.
    """

    def order(t: int, on_hand: np.ndarray, on_order: np.ndarray, hist: np.ndarray) -> np.ndarray:
        recent = hist[:, -window:]
        mean, std = recent.mean(axis=1), recent.std(axis=1)
        low = mean * lead_time + z * std * np.sqrt(lead_time)
        high = low + mean * review
        position = on_hand + on_order
        need = np.where(position <= low, high - position, 0.0)
        return round_to_packs(need, case_pack)

    return order


def last_period_policy(case_pack: np.ndarray) -> OrderFn:
    """Order what sold last period (rounded up to case packs)."""

    def order(t: int, on_hand: np.ndarray, on_order: np.ndarray, hist: np.ndarray) -> np.ndarray:
        return round_to_packs(hist[:, -1], case_pack)

    return order


#: (period t, history up to t) -> (quantile levels [k], demand quantiles over the protection
#: interval [n, k]); the order-up-to policy reads its service level off that curve.
QuantileFn = Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]]


def order_up_to_policy(
    case_pack: np.ndarray, quantiles: QuantileFn, service_level: float
) -> OrderFn:
    from .policy import quantile_at

    def order(t: int, on_hand: np.ndarray, on_order: np.ndarray, hist: np.ndarray) -> np.ndarray:
        levels, q = quantiles(t, hist)
        target = np.ceil(quantile_at(levels, q, np.full(len(on_hand), service_level)) - 1e-9)
        return round_to_packs(target - on_hand - on_order, case_pack)

    return order
