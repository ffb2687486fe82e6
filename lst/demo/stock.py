"""Store stock for the demo chain: demand meets the shelf (numpy only, deterministic for a seed).

Each store receives deliveries on its warehouse's weekdays. The evening the order for a delivery
is due (lead time before it), the owner orders up to what they expect to sell until the delivery
after it, plus a little safety stock, in whole cases. Owners misjudge some lines (a per-line bias),
keep thin safety stock in some stores, and now and then miss an order. So stock runs down between
deliveries and some lines run out for a day or a few: on those days sales are cut to what was on
hand, and the demand beyond it is lost (`DemoDemand.units` stays the true demand).

The result gives, per store and product, the units sold each day, which days ended with nothing on
hand, today's stock, and the stock-out spells with their times (what `StockOut` records).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .generator import GAMMA_SHAPE, DemoDemand

MISSED_ORDER_PROB = 0.05  # an order that is never placed (forgotten, or short at the warehouse)
BIAS_SIGMA = 0.25  # spread of the owner's misjudgement of a line's demand (lognormal)
BIAS_MEDIAN = 0.9  # owners lean to ordering a little short (cash, space)
SAFETY_Z = (0.0, 1.2)  # per store: from no safety stock to about 88% per order cycle
DELIVERY_HOUR = 6.0  # deliveries arrive before opening, 06:00-07:00 store-local
OPEN_HOURS = (7.0, 23.0)  # when most sales happen (also in the stores open around the clock)


@dataclass(frozen=True)
class DeliveryPlan:
    """Per store: lead time in days and the weekdays (0 = Monday) deliveries arrive."""

    lead_days: np.ndarray  # (stores,) int
    weekdays: np.ndarray  # (stores, 7) bool


@dataclass(frozen=True)
class DemoStock:
    sold: np.ndarray  # (stores, products, days) int32: demand cut to what was on hand
    ended_out: np.ndarray  # (stores, products, days) bool: a carried line with none at day end
    on_hand: np.ndarray  # (stores, products) int64: stock at the end of the last day
    #: one row per spell: store, product (indices), started (store-local naive datetime), ended
    #: (NaT while still out at the end of the history)
    spells: pd.DataFrame


def simulate_stock(
    demand: DemoDemand,
    *,
    plan: DeliveryPlan,
    case_pack: np.ndarray,
    seed: int,
) -> DemoStock:
    """Run the stores' shelves through `demand`; `case_pack` is (products,)."""
    rng = np.random.default_rng([seed, 15])
    units, carried = demand.units, demand.carried
    n_s, n_p, n_d = units.shape
    lead = plan.lead_days.astype(np.int64)
    ring = int(lead.max()) + 1
    # Expected demand per day, padded a fortnight past the end with the last fortnight (orders
    # near the end are for days beyond it),
    # and its running sums (day-major, so one store's row is contiguous) for the order windows.
    rate = np.concatenate([demand.rate, demand.rate[:, :, -14:]], axis=2).astype(np.float64)
    rate = np.moveaxis(rate, 2, 0)  # (days, S, P)
    zero = np.zeros((1, n_s, n_p))
    cum = np.concatenate([zero, np.cumsum(rate, axis=0)])
    cum2 = np.concatenate([zero, np.cumsum(rate**2, axis=0)])
    n_rate = rate.shape[0]
    del rate

    stores = np.arange(n_s)
    bias = BIAS_MEDIAN * rng.lognormal(0.0, BIAS_SIGMA, size=(n_s, n_p))
    z = np.asarray(rng.uniform(*SAFETY_Z, size=n_s))[:, None]
    pack = np.maximum(case_pack.astype(np.int64), 1)[None, :]
    weekday0 = demand.dates[0].weekday()
    arrives = plan.weekdays[:, (weekday0 + np.arange(n_d + 14 + ring)) % 7]  # (S, days)

    def next_arrival(after: np.ndarray) -> np.ndarray:
        """Per store, the first arrival day strictly after day `after[s]`."""
        days = np.arange(arrives.shape[1])[None, :]
        later = arrives & (days > after[:, None])
        return np.where(later.any(axis=1), later.argmax(axis=1), arrives.shape[1] - 1)

    def order_up_to(first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Target stock covering expected demand of days first..last (per store, inclusive)."""
        lo, hi = np.clip(first, 0, n_rate), np.clip(last + 1, 0, n_rate)
        mean = cum[hi, stores] - cum[lo, stores]
        sq = cum2[hi, stores] - cum2[lo, stores]
        sd = np.sqrt(bias * mean + (bias**2) * sq / GAMMA_SHAPE)
        return bias * mean + z * sd

    def cases(units_needed: np.ndarray) -> np.ndarray:
        return np.ceil(np.maximum(units_needed, 0) / pack).astype(np.int64) * pack

    # Opening stock: enough for the days until the first delivery after the first arrival.
    start_days = np.zeros(n_s, np.int64)
    on_hand = cases(order_up_to(start_days, next_arrival(next_arrival(start_days - 1)) - 1))
    on_hand = np.where(carried, on_hand, 0)
    incoming = np.zeros((ring, n_s, n_p), np.int64)

    # Day-major copies: the loop reads and writes one day of every line at a time.
    demand_by_day = np.ascontiguousarray(np.moveaxis(units, 2, 0))
    sold = np.zeros_like(demand_by_day)
    ended_out = np.zeros(demand_by_day.shape, bool)
    starts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []  # s, p, day, hour
    ends: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []
    open_from, open_to = OPEN_HOURS
    was_out = np.zeros((n_s, n_p), bool)
    for t in range(n_d):
        on_hand += incoming[t % ring]
        incoming[t % ring] = 0
        back = was_out & (on_hand > 0)
        if back.any():
            s_i, p_i = np.nonzero(back)
            ends.append((s_i, p_i, t, DELIVERY_HOUR + rng.uniform(0, 1, size=len(s_i))))
        want = demand_by_day[t]
        got = np.minimum(want, on_hand)
        ran_out = carried & (on_hand > 0) & (want >= on_hand)
        if ran_out.any():
            s_i, p_i = np.nonzero(ran_out)
            # Sales spread over the opening hours: the shelf empties when the units on hand
            # have met their share of the day's demand.
            share = on_hand[s_i, p_i] / np.maximum(want[s_i, p_i], 1)
            hour = open_from + (open_to - open_from) * share * rng.uniform(0.85, 1.0, len(s_i))
            starts.append((s_i, p_i, t, hour))
        on_hand -= got
        sold[t] = got
        was_out = carried & (on_hand == 0)
        ended_out[t] = was_out

        # Evening: the stores whose next delivery is `lead` days away place their order.
        due = arrives[stores, t + lead]
        if due.any():
            arrival = t + lead
            cover_to = next_arrival(arrival) - 1
            target = order_up_to(np.full(n_s, t + 1), cover_to)
            position = on_hand + incoming.sum(axis=0)
            qty = cases(target - position)
            qty[rng.random((n_s, n_p)) < MISSED_ORDER_PROB] = 0
            qty = np.where(carried & due[:, None], qty, 0)
            for s_lead in np.unique(lead[due]):
                rows = due & (lead == s_lead)
                incoming[(t + s_lead) % ring][rows] += qty[rows]

    return DemoStock(
        np.ascontiguousarray(np.moveaxis(sold, 0, 2)),
        np.ascontiguousarray(np.moveaxis(ended_out, 0, 2)),
        on_hand,
        _spells(demand.dates, starts, ends),
    )


def _spells(
    dates: list[dt.date],
    starts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
    ends: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
) -> pd.DataFrame:
    """Pair each start with the next end of the same line (they alternate in time)."""

    def frame(
        events: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]], kind: int
    ) -> pd.DataFrame:
        if not events:
            return pd.DataFrame(columns=["store", "product", "day", "hour", "kind"])
        return pd.DataFrame(
            {
                "store": np.concatenate([e[0] for e in events]),
                "product": np.concatenate([e[1] for e in events]),
                "day": np.concatenate([np.full(len(e[0]), e[2]) for e in events]),
                "hour": np.concatenate([e[3] for e in events]),
                "kind": kind,
            }
        )

    events = pd.concat([frame(starts, 1), frame(ends, 0)], ignore_index=True)
    if events.empty:
        return pd.DataFrame(columns=["store", "product", "started", "ended"])
    base = pd.to_datetime(np.array(dates, dtype="datetime64[D]"))
    events["at"] = base[events["day"].to_numpy(np.int64)] + pd.to_timedelta(
        events["hour"].astype(float), unit="h"
    )
    # On one day the delivery (an end, in the morning) comes before a new run-out.
    events = events.sort_values(
        ["store", "product", "at", "kind"], kind="stable", ignore_index=True
    )
    nxt = events.shift(-1)
    is_start = events["kind"] == 1
    same_line = (nxt["store"] == events["store"]) & (nxt["product"] == events["product"])
    closed = same_line & (nxt["kind"] == 0)
    spells = pd.DataFrame(
        {
            "store": events.loc[is_start, "store"].astype(np.int64),
            "product": events.loc[is_start, "product"].astype(np.int64),
            "started": events.loc[is_start, "at"],
            "ended": nxt.loc[is_start, "at"].where(closed[is_start]),
        }
    )
    return spells.reset_index(drop=True)
