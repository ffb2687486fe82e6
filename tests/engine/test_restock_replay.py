"""The inventory replay, on cases followed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from recommendations.engine.restock.replay import (
    ReplayConfig,
    last_period_policy,
    min_max_policy,
    order_up_to_policy,
    replay,
    round_to_packs,
)


def test_a_policy_that_never_orders_sells_its_stock_then_loses_the_rest() -> None:
    demand = np.array([[0.0, 3, 3, 3]])
    r = replay(
        "none",
        demand,
        lambda t, oh, oo, h: np.zeros(1),
        ReplayConfig(start=1),
        unit_cost=np.array([2.0]),
        initial_on_hand=np.array([5.0]),
    )
    # Period 1: sell 3 (2 left); period 2: sell 2, lose 1; period 3: lose 3.
    assert r.fill_rate == pytest.approx(5 / 9)
    assert r.stockout_share == pytest.approx(2 / 3)
    assert r.avg_inventory_units == pytest.approx(2 / 3)
    assert r.avg_inventory_value == pytest.approx(2 * 2 / 3)
    assert r.lost_units == 4 and r.orders == 0


def test_orders_arrive_after_the_lead_time() -> None:
    demand = np.array([[0.0, 2, 2, 2, 2]])
    # Order 4 units every period from period 1; lead time 2: the first arrives in period 3.
    r = replay(
        "fixed",
        demand,
        lambda t, oh, oo, h: np.array([4.0]),
        ReplayConfig(start=1, lead_time=2),
        unit_cost=np.ones(1),
        initial_on_hand=np.array([2.0]),
    )
    # Stock end of period: p1 0, p2 0 (lost 2), p3 4-2=2, p4 2+4-2=4.
    assert r.fill_rate == pytest.approx(6 / 8)
    assert r.avg_inventory_units == pytest.approx(6 / 4)
    assert r.orders == 4


def test_round_to_packs() -> None:
    assert list(round_to_packs(np.array([0.0, 1, 6, 7, -3]), np.array([6, 6, 6, 6, 6]))) == [
        0,
        6,
        6,
        12,
        0,
    ]


def test_min_max_orders_up_to_max_when_at_or_below_min() -> None:
    order = min_max_policy(np.array([1]), lead_time=1, review=1, z=0.0, window=4)
    hist = np.array([[4.0, 4, 4, 4]])
    # min = 4, max = 8: position 4 -> order 4; position 5 -> nothing.
    assert order(4, np.array([4.0]), np.array([0.0]), hist)[0] == 4
    assert order(4, np.array([3.0]), np.array([2.0]), hist)[0] == 0


def test_last_period_policy_orders_what_sold() -> None:
    order = last_period_policy(np.array([6]))
    assert order(3, np.zeros(1), np.zeros(1), np.array([[1.0, 2, 7]]))[0] == 12


def test_order_up_to_reads_its_service_level_off_the_quantile_curve() -> None:
    levels = np.array([0.5, 0.9])
    order = order_up_to_policy(
        np.array([1]), lambda t, h: (levels, np.array([[10.0, 20.0]])), service_level=0.7
    )
    # S = 15 at 0.7; position 4 + 3 = 7 -> 8.
    assert order(5, np.array([4.0]), np.array([3.0]), np.zeros((1, 5)))[0] == 8
