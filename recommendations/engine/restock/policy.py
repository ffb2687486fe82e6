"""The order-up-to policy for one store's lines (vectorised over lines).

For each store x product line:

    protection interval P = lead time + time until the next possible delivery after that
    order-up-to S          = quantile of demand over P at the line's service level
    raw need               = S - on hand - on order                    (never negative)
    quantity               = raw need in whole case packs: rounded up when the extra units still
                             fit the capacity, else down; then capped by capacity
                             (facings x depth + backroom) and by shelf life (no more than sells
                             before it expires).

Units are integer units of the product; demand quantities are over the protection interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Reasons a line's quantity differs from its raw need; the app explains them.
CAPPED_BY_CAPACITY = "capacity"
CAPPED_BY_SHELF_LIFE = "shelf_life"
ROUNDED_DOWN = "rounded_down"
ROUNDED_UP = "rounded_up"


@dataclass(frozen=True)
class ServiceLevels:
    """Service level by sales rank within the store: top sellers are protected best."""

    top: float = 0.97  # the best-selling `top_share` of lines
    normal: float = 0.92
    slow: float = 0.80  # lines selling less than `slow_per_day` units a day
    top_share: float = 0.2
    slow_per_day: float = 0.15

    def for_lines(self, mean_daily: np.ndarray) -> np.ndarray:
        levels = np.full(mean_daily.shape, self.normal)
        if mean_daily.size:
            cutoff = np.quantile(mean_daily, 1 - self.top_share)
            levels[(mean_daily >= cutoff) & (mean_daily > self.slow_per_day)] = self.top
        levels[mean_daily < self.slow_per_day] = self.slow
        return levels


@dataclass(frozen=True)
class PolicyInput:
    """Arrays of one length (one entry per line).

    `quantile_levels` (k,) ascending and `demand_quantiles` (n, k): demand over the protection
    interval at those levels. `capacity` is the most units the store can hold (shelf + backroom);
    `shelf_life_days` is NaN when the product does not expire.
    """

    mean_daily: np.ndarray
    quantile_levels: np.ndarray
    demand_quantiles: np.ndarray
    on_hand: np.ndarray
    on_order: np.ndarray
    case_pack: np.ndarray
    capacity: np.ndarray
    shelf_life_days: np.ndarray


@dataclass(frozen=True)
class PolicyResult:
    quantity: np.ndarray  # units to order, a multiple of the case pack
    order_up_to: np.ndarray
    raw_need: np.ndarray
    service_level: np.ndarray
    days_until_stockout: np.ndarray  # on hand / mean daily demand (inf when nothing sells)
    limited_by: list[str]  # "" or one of the reasons above, per line


def quantile_at(levels: np.ndarray, quantiles: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Row-wise linear interpolation of each line's demand quantile at its own level `alpha`.

    Below the first or above the last given level the nearest given quantile is used, so the
    caller should pass levels spanning the service levels in use.
    """
    levels = np.asarray(levels, dtype=float)
    q = np.maximum.accumulate(np.asarray(quantiles, dtype=float), axis=1)  # monotone in level
    idx = np.clip(np.searchsorted(levels, alpha, side="right") - 1, 0, len(levels) - 1)
    nxt = np.minimum(idx + 1, len(levels) - 1)
    lo, hi = levels[idx], levels[nxt]
    w = np.where(hi > lo, (np.clip(alpha, lo, hi) - lo) / np.where(hi > lo, hi - lo, 1), 0.0)
    rows = np.arange(q.shape[0])
    return q[rows, idx] * (1 - w) + q[rows, nxt] * w


def order_up_to(inp: PolicyInput, service_level: np.ndarray) -> PolicyResult:
    n = len(inp.on_hand)
    pack = np.maximum(inp.case_pack.astype(np.int64), 1)
    position = inp.on_hand.astype(np.int64) + inp.on_order.astype(np.int64)
    s = np.ceil(quantile_at(inp.quantile_levels, inp.demand_quantiles, service_level) - 1e-9)
    s = s.astype(np.int64)
    raw = np.maximum(s - position, 0)

    up = -(-raw // pack) * pack  # ceil to packs
    down = (raw // pack) * pack
    room = np.maximum(inp.capacity.astype(np.int64) - position, 0)
    qty = np.where(position + up <= inp.capacity, up, down)
    limited = np.full(n, "", dtype=object)
    limited[(qty == down) & (down < raw)] = ROUNDED_DOWN
    limited[(qty == up) & (up > raw)] = ROUNDED_UP

    cap_room = (room // pack) * pack
    over_cap = qty > cap_room
    qty = np.where(over_cap, cap_room, qty)
    limited[over_cap] = CAPPED_BY_CAPACITY

    # Shelf life: stock after the delivery must sell before the units expire.
    life = inp.shelf_life_days
    perishable = ~np.isnan(life)
    sells_in_life = np.where(perishable, np.floor(inp.mean_daily * np.nan_to_num(life)), np.inf)
    life_room = np.where(perishable, np.maximum(sells_in_life - position, 0), np.inf)
    life_cap = np.where(perishable, (np.nan_to_num(life_room, posinf=0) // pack) * pack, qty)
    over_life = perishable & (qty > life_cap)
    qty = np.where(over_life, life_cap, qty).astype(np.int64)
    limited[over_life] = CAPPED_BY_SHELF_LIFE

    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(inp.mean_daily > 0, inp.on_hand / inp.mean_daily, np.inf)
    return PolicyResult(qty, s, raw, service_level, days, list(limited))
