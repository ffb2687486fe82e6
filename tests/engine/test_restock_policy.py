"""The restocking policy, checked on cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from recommendations.engine.restock.basket import (
    budget_select,
    minimum_order_topups,
    sell_probability,
)
from recommendations.engine.restock.policy import (
    CAPPED_BY_CAPACITY,
    CAPPED_BY_SHELF_LIFE,
    ROUNDED_DOWN,
    ROUNDED_UP,
    PolicyInput,
    ServiceLevels,
    order_up_to,
    quantile_at,
)

LEVELS = np.array([0.5, 0.9, 0.95])


def _inp(q: list[list[float]], **kw) -> PolicyInput:  # type: ignore[no-untyped-def]
    n = len(q)
    base = {
        "mean_daily": np.full(n, 2.0),
        "quantile_levels": LEVELS,
        "demand_quantiles": np.array(q, dtype=float),
        "on_hand": np.zeros(n, dtype=int),
        "on_order": np.zeros(n, dtype=int),
        "case_pack": np.ones(n, dtype=int),
        "capacity": np.full(n, 1000),
        "shelf_life_days": np.full(n, np.nan),
    }
    base.update({k: np.asarray(v) for k, v in kw.items()})
    return PolicyInput(**base)


def test_quantile_interpolates_between_given_levels() -> None:
    q = np.array([[10.0, 18.0, 20.0]])
    assert quantile_at(LEVELS, q, np.array([0.7]))[0] == pytest.approx(14.0)
    assert quantile_at(LEVELS, q, np.array([0.95]))[0] == pytest.approx(20.0)
    assert quantile_at(LEVELS, q, np.array([0.99]))[0] == pytest.approx(20.0)


def test_order_up_to_nets_on_hand_and_on_order() -> None:
    # S at 0.9 = 18; position = 5 + 4 = 9 -> need 9 units, case pack 1.
    r = order_up_to(_inp([[10, 18, 20]], on_hand=[5], on_order=[4]), np.array([0.9]))
    assert (r.order_up_to[0], r.raw_need[0], r.quantity[0]) == (18, 9, 9)
    # Already above S: nothing, never negative.
    r = order_up_to(_inp([[10, 18, 20]], on_hand=[25]), np.array([0.9]))
    assert (r.raw_need[0], r.quantity[0]) == (0, 0)


def test_case_pack_rounds_up_when_it_fits_and_down_when_it_does_not() -> None:
    # Need 9, pack 6: up to 12 fits a capacity of 30 (position 9 + 12 = 21).
    r = order_up_to(
        _inp([[10, 18, 20]], on_hand=[9], case_pack=[6], capacity=[30]), np.array([0.9])
    )
    assert r.raw_need[0] == 9 and r.quantity[0] == 12 and r.limited_by[0] == ROUNDED_UP
    # Capacity 20: 9 + 12 = 21 > 20, so round down to 6.
    r = order_up_to(
        _inp([[10, 18, 20]], on_hand=[9], case_pack=[6], capacity=[20]), np.array([0.9])
    )
    assert r.quantity[0] == 6 and r.limited_by[0] == ROUNDED_DOWN


def test_capacity_caps_the_quantity_in_whole_packs() -> None:
    # Need 40 (S=40, nothing on hand), pack 12, capacity 30 -> room 30 -> 24.
    r = order_up_to(_inp([[30, 40, 45]], case_pack=[12], capacity=[30]), np.array([0.9]))
    assert r.quantity[0] == 24 and r.limited_by[0] == CAPPED_BY_CAPACITY


def test_shelf_life_caps_what_would_expire() -> None:
    # Sells 2/day, lasts 7 days -> at most 14 units on hand; 4 on hand -> 10 -> packs of 4 -> 8.
    r = order_up_to(
        _inp([[20, 30, 35]], on_hand=[4], case_pack=[4], shelf_life_days=[7.0]), np.array([0.9])
    )
    assert r.quantity[0] == 8 and r.limited_by[0] == CAPPED_BY_SHELF_LIFE


def test_service_levels_favour_top_sellers_and_relax_for_slow_movers() -> None:
    levels = ServiceLevels(top=0.97, normal=0.92, slow=0.8, top_share=0.2, slow_per_day=0.15)
    got = levels.for_lines(np.array([10.0, 5, 4, 3, 2, 1, 0.5, 0.4, 0.3, 0.1]))
    assert list(got) == [0.97, 0.97, 0.92, 0.92, 0.92, 0.92, 0.92, 0.92, 0.92, 0.8]


def test_days_until_stockout() -> None:
    r = order_up_to(
        _inp([[1, 2, 3], [1, 2, 3]], on_hand=[6, 0], mean_daily=[2.0, 0.0]), np.array([0.9, 0.9])
    )
    assert r.days_until_stockout[0] == 3.0 and np.isinf(r.days_until_stockout[1])


def test_sell_probability_follows_the_quantile_curve() -> None:
    q = np.array([[10.0, 18.0, 20.0]])
    # P(D > 14) = 1 - 0.7 = 0.3 (halfway between the 0.5 and 0.9 quantiles).
    assert sell_probability(LEVELS, q, np.array([14]))[0] == pytest.approx(0.3)
    assert sell_probability(LEVELS, q, np.array([0]))[0] == pytest.approx(1.0)


def test_minimum_order_value_proposes_cheapest_likely_packs_not_silent_padding() -> None:
    # Basket 2 x 10 = 20 below a minimum of 50. Line 0 (cost 10, pack 1) sells surely;
    # line 1 (cost 5, pack 2) is unlikely to sell more. Expect line 0 topped up by 3 units.
    q = np.array([[20.0, 30.0, 35.0], [1.0, 2.0, 2.5]])
    r = minimum_order_topups(
        quantity=np.array([2, 0]),
        position=np.array([0, 2]),
        case_pack=np.array([1, 2]),
        unit_cost=np.array([10.0, 5.0]),
        room=np.array([100, 100]),
        levels=LEVELS,
        quantiles=q,
        min_order_value=50.0,
    )
    assert list(r.extra) == [3, 0]
    assert (r.total_before, r.total_after, r.reached) == (20.0, 50.0, True)


def test_minimum_order_reports_when_it_cannot_be_reached() -> None:
    q = np.array([[5.0, 8.0, 9.0]])
    r = minimum_order_topups(
        quantity=np.array([1]),
        position=np.array([0]),
        case_pack=np.array([1]),
        unit_cost=np.array([10.0]),
        room=np.array([2]),
        levels=LEVELS,
        quantiles=q,
        min_order_value=100.0,
    )
    assert list(r.extra) == [2] and not r.reached and r.total_after == 30.0


def test_budget_keeps_the_packs_that_protect_most_profit_per_yuan() -> None:
    # Two lines, each 2 packs of 1 unit; line 0 margin 5, line 1 margin 1, same cost 10.
    # Demand is certainly above 2 for both, so every unit sells: line 0's packs win.
    q = np.array([[50.0, 60.0, 70.0], [50.0, 60.0, 70.0]])
    r = budget_select(
        quantity=np.array([2, 2]),
        position=np.array([0, 0]),
        case_pack=np.array([1, 1]),
        unit_cost=np.array([10.0, 10.0]),
        unit_margin=np.array([5.0, 1.0]),
        levels=LEVELS,
        quantiles=q,
        budget=30.0,
    )
    assert list(r.quantity) == [2, 1] and r.total == 30.0
    # Below the median the curve is linear from 0: P(D > 0) = 1, P(D > 1) = 1 - 0.5/50 = 0.99.
    assert r.expected_profit_protected[0] == pytest.approx(5 * (1 + 0.99))
