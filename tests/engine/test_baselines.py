"""Baselines against answers computed by hand."""

import numpy as np
import pytest

from recommendations.engine.forecast import baselines as b

INTERMITTENT = np.array([[0.0, 3.0, 0.0, 0.0, 2.0, 0.0, 4.0]])
START = np.array([1])


def test_naive_repeats_the_last_period() -> None:
    out = b.naive(np.array([[1.0, 2.0, 3.0]]), np.array([0]), 2)
    assert out.tolist() == [[3.0, 3.0]]


def test_seasonal_naive_repeats_the_last_season() -> None:
    hist = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert b.seasonal_naive(hist, np.array([0]), 4, 3).tolist() == [[4.0, 5.0, 6.0, 4.0]]


def test_seasonal_naive_falls_back_to_naive_without_a_full_season() -> None:
    hist = np.array([[0.0, 0.0, 0.0, 0.0, 5.0, 6.0]])
    assert b.seasonal_naive(hist, np.array([4]), 2, 3).tolist() == [[6.0, 6.0]]


def test_moving_average_counts_only_periods_since_the_first_sale() -> None:
    hist = np.array([[0.0, 0.0, 2.0, 4.0, 6.0]])
    assert b.moving_average(hist, np.array([2]), 1, 8).tolist() == [[4.0]]
    assert b.moving_average(hist, np.array([2]), 1, 2).tolist() == [[5.0]]


def test_ses_with_a_fixed_alpha() -> None:
    # level 2 -> 2 + 0.5 * (4 - 2) = 3 -> 3 + 0.5 * (6 - 3) = 4.5
    out = b.ses(np.array([[2.0, 4.0, 6.0]]), np.array([0]), 2, alphas=np.array([0.5]))
    assert out.tolist() == [[4.5, 4.5]]


def test_ses_picks_the_alpha_with_the_smallest_one_step_error() -> None:
    # a random walk is best followed closely: alpha 0.9 beats 0.1
    hist = np.array([[1.0, 5.0, 9.0, 13.0, 17.0]])
    out = b.ses(hist, np.array([0]), 1, alphas=np.array([0.1, 0.9]))
    level = 1.0
    for y in (5.0, 9.0, 13.0, 17.0):
        level += 0.9 * (y - level)
    assert out[0, 0] == pytest.approx(level)


def test_croston_on_a_known_intermittent_series() -> None:
    # first sale 3 at t=1; t=4: size 3 + .1(2-3) = 2.9, interval 1 + .1(3-1) = 1.2;
    # t=6: size 2.9 + .1(4-2.9) = 3.01, interval 1.2 + .1(2-1.2) = 1.28
    out = b.croston(INTERMITTENT, START, 3)
    assert out[0] == pytest.approx([3.01 / 1.28] * 3)


def test_tsb_on_a_known_intermittent_series() -> None:
    prob, size = 1.0, 3.0
    for y in (0, 0, 2, 0, 4):  # periods after the first sale
        prob += 0.1 * ((y > 0) - prob)
        if y:
            size += 0.1 * (y - size)
    assert prob == pytest.approx(0.771490)
    assert b.tsb(INTERMITTENT, START, 2)[0] == pytest.approx([prob * size] * 2)
    assert prob * size == pytest.approx(2.3221849, rel=1e-6)


def test_baselines_are_vectorised_over_series() -> None:
    hist = np.vstack([INTERMITTENT, INTERMITTENT * 2])
    start = np.array([1, 1])
    for name in b.BASELINES:
        out = b.baseline_forecast(name, hist, start, 3, 7)
        assert out.shape == (2, 3)
        assert out[1] == pytest.approx(out[0] * 2)
