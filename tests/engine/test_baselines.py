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


def _slow_ses(y: list[float]) -> float:
    """SES over statsforecast's alpha bounds (0.1-0.3, the grid IMAPA uses), written out."""
    best, best_sse = 0.0, np.inf
    for alpha in np.linspace(0.1, 0.3, 5):
        level, sse = y[0], 0.0
        for v in y[1:]:
            sse += (v - level) ** 2
            level += alpha * (v - level)
        if sse < best_sse:
            best, best_sse = level, sse
    return best


def test_imapa_on_a_smooth_series_is_a_slow_ses() -> None:
    # a sale every period: one aggregation level; errors 2 and 4 - 2a favour alpha 0.3:
    # 2 -> 2.6 -> 2.6 + 0.3 * (6 - 2.6) = 3.62
    out = b.imapa(np.array([[2.0, 4.0, 6.0]]), np.array([0]), 2)
    assert out == pytest.approx(np.array([[3.62, 3.62]]), rel=1e-6)


def test_imapa_averages_the_levels_up_to_the_mean_interval_between_sales() -> None:
    # a sale every second period: levels 1 (the series itself) and 2 (block means 1, 1)
    out = b.imapa(np.array([[2.0, 0.0, 2.0, 0.0]]), np.array([0]), 1)
    expected = (_slow_ses([2.0, 0.0, 2.0, 0.0]) + 1.0) / 2
    assert out[0, 0] == pytest.approx(expected, rel=1e-6)
    assert expected != pytest.approx(1.0)  # the single-period SES differs from the block mean


def test_linear_trend_extrapolates_a_damped_slope() -> None:
    # 1, 3, 5, 7: slope 2 ending at 7; steps ahead add 2 * 0.9 and 2 * (0.9 + 0.81)
    out = b.linear_trend(np.array([[1.0, 3.0, 5.0, 7.0]]), np.array([0]), 2, window=52)
    assert out == pytest.approx(np.array([[8.8, 10.42]]))
    # only the last ``window`` periods count, and only since the first sale
    hist = np.array([[0.0, 0.0, 50.0, 4.0, 4.0, 4.0]])
    assert b.linear_trend(hist, np.array([2]), 1, window=3) == pytest.approx(np.array([[4.0]]))


def test_new_baselines_dispatch_and_stay_non_negative() -> None:
    falling = np.array([[9.0, 6.0, 3.0, 1.0, 0.0, 0.0]])
    for name in ("imapa", "linear_trend"):
        out = b.baseline_forecast(name, falling, np.array([0]), 6, 52)
        assert out.shape == (1, 6) and (out >= 0).all() and np.isfinite(out).all()
    assert b.baseline_forecast("linear_trend", falling, np.array([0]), 6, 52)[0, -1] == 0.0
