"""Metrics against answers computed by hand."""

import numpy as np
import pytest

from recommendations.engine.forecast import metrics


def test_scales_of_a_known_series() -> None:
    hist = np.array([[1.0, 3.0, 2.0, 4.0]])
    # changes 2, -1, 2: mean square (4 + 1 + 4) / 3, mean absolute 5 / 3
    assert metrics.squared_scale(hist, np.array([0]))[0] == pytest.approx(3.0)
    assert metrics.absolute_scale(hist, np.array([0]))[0] == pytest.approx(5 / 3)


def test_scales_ignore_periods_before_the_first_sale() -> None:
    hist = np.array([[0.0, 0.0, 5.0, 5.0, 7.0]])
    # only the changes 5->5 and 5->7 count
    assert metrics.squared_scale(hist, np.array([2]))[0] == pytest.approx(2.0)
    assert metrics.absolute_scale(hist, np.array([2]))[0] == pytest.approx(1.0)


def test_constant_history_has_no_scale() -> None:
    assert np.isnan(metrics.squared_scale(np.array([[3.0, 3.0, 3.0]]), np.array([0]))[0])


def test_rmsse_and_mase_of_a_known_series() -> None:
    actual, forecast = np.array([[2.0, 2.0]]), np.array([[1.0, 3.0]])
    assert metrics.rmsse(actual, forecast, np.array([3.0]))[0] == pytest.approx(np.sqrt(1 / 3))
    assert metrics.mase(actual, forecast, np.array([5 / 3]))[0] == pytest.approx(0.6)


def test_wrmsse_weights_and_skips_undefined_series() -> None:
    values = np.array([1.0, 2.0, np.nan, 9.0])
    weights = np.array([1.0, 3.0, 5.0, 0.0])
    assert metrics.wrmsse(values, weights) == pytest.approx((1 * 1 + 2 * 3) / 4)


def test_revenue_weights_use_price_when_present() -> None:
    hist = np.array([[9.0, 1.0, 2.0], [0.0, 3.0, 0.0]])
    price = np.array([[5.0, 2.0, 3.0, 7.0], [5.0, 1.5, 1.0, 1.0]])  # covers a future period too
    assert metrics.revenue_weights(hist, price, 2).tolist() == [1 * 2 + 2 * 3, 3 * 1.5]
    assert metrics.revenue_weights(hist, None, 2).tolist() == [3.0, 3.0]


def test_bias_pinball_and_coverage() -> None:
    actual = np.array([[10.0, 5.0]])
    assert metrics.bias(actual, np.array([[12.0, 6.0]])) == pytest.approx(3 / 15)
    q = np.array([[8.0, 8.0]])
    # under by 2 at level 0.9 costs 1.8; over by 3 costs 0.1 * 3
    assert metrics.pinball(actual, q, 0.9)[0] == pytest.approx((1.8 + 0.3) / 2)
    assert metrics.coverage(actual, q) == pytest.approx(0.5)
