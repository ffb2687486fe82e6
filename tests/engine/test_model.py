"""The global model: determinism, no leakage, quantiles, fallback, persistence."""

import pickle

import numpy as np
import pytest

from recommendations.engine.forecast import (
    BoostingParams,
    ForecastParams,
    build_panel,
    fit,
    predict,
)
from recommendations.engine.forecast.features import (
    Encoders,
    FeatureSpec,
    build_history,
    make_features,
)

from .synthetic import sales_frame

FAST = BoostingParams(max_iter=40, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=20)


@pytest.fixture(scope="module")
def panel():
    sales, products = sales_frame(periods=150)
    return build_panel(sales, products=products)


@pytest.fixture(scope="module")
def model(panel):
    return fit(panel, ForecastParams(horizon=7, boosting=FAST, max_rows=4000, random_state=3))


def test_global_model_is_fit_and_deterministic_for_a_seed(panel, model) -> None:
    assert model.method == "global" and model.fallback_reason is None
    again = fit(panel, ForecastParams(horizon=7, boosting=FAST, max_rows=4000, random_state=3))
    a, b = predict(model, panel), predict(again, panel)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.p90, b.p90)


def test_quantiles_are_ordered(panel, model) -> None:
    result = predict(model, panel)
    assert result.mean.shape == (panel.n_series, 7)
    assert np.all(result.p50 <= result.p90)
    totals = result.total_quantiles([0.5, 0.8, 0.9, 0.95, 0.98])
    assert np.all(np.diff(totals, axis=1) >= 0)
    short = result.total_quantiles([0.9], periods=3)
    assert np.all(short[:, 0] <= totals[:, 2] + 1e-9)
    assert len(result.to_frame()) == panel.n_series * 7
    rows = np.array([4, 0, 2])
    np.testing.assert_array_equal(
        result.total_quantiles([0.5, 0.9], periods=3, rows=rows),
        result.total_quantiles([0.5, 0.9], periods=3)[rows],
    )


def test_planned_promotion_raises_the_forecast(panel, model) -> None:
    # the synthetic promotions lift demand 2.5x: planning one must raise the forecast
    base = predict(model, panel.extend(7))
    promo = dict(panel.extend(7).flags)
    promo["promo"] = promo["promo"].copy()
    promo["promo"][:, panel.n_obs :] = 1
    from dataclasses import replace

    lifted = predict(model, replace(panel.extend(7), flags=promo))
    assert lifted.mean.sum() > 1.3 * base.mean.sum()


def test_model_pickles(panel, model) -> None:
    clone = pickle.loads(pickle.dumps(model))  # noqa: S301 (our own bytes, like the registry)
    np.testing.assert_array_equal(predict(clone, panel).mean, predict(model, panel).mean)


def test_features_at_an_origin_ignore_the_future(panel) -> None:
    spec = FeatureSpec.for_panel(panel, use_planned=True)
    enc = Encoders.fit(panel)
    origin = 100
    s = np.repeat(np.arange(panel.n_series), 7)
    o = np.full(s.size, origin)
    step = np.tile(np.arange(1, 8), panel.n_series)

    def features(p):
        history, codes = build_history(p, enc)
        return make_features(p, history, codes, spec, s, o, step, None)[0]

    before = features(panel)
    rng = np.random.default_rng(0)
    units = panel.units.copy()
    future = units[:, origin:]
    units[:, origin:] = rng.permutation(future.ravel()).reshape(future.shape) * 3 + 1
    from dataclasses import replace

    after = features(replace(panel, units=units))
    np.testing.assert_array_equal(before, after)
    # ...while changing the past does change them
    units[:, origin - 1] += 5
    assert not np.array_equal(before, features(replace(panel, units=units)))


def test_too_little_data_falls_back_to_a_baseline() -> None:
    sales, products = sales_frame(n_stores=1, n_products=3, periods=20)
    panel = build_panel(sales, products=products)
    model = fit(panel, ForecastParams(horizon=7, boosting=FAST))
    assert model.method != "global"
    assert model.fallback_reason is not None
    result = predict(model, panel)
    assert result.mean.shape == (panel.n_series, 7)
    assert np.all(result.p50 <= result.p90)


def test_horizon_longer_than_trained_is_refused(panel, model) -> None:
    with pytest.raises(ValueError):
        predict(model, panel, horizon=8)


def test_rows_are_drawn_in_proportion_to_the_series_level() -> None:
    from recommendations.engine.forecast.global_model import sample_rows

    start = np.zeros(2, np.int64)
    # 2 series x (99 + 98) candidates, 200 drawn: levels 1 and 3 -> about 25% / 75% of rows.
    s, o, step = sample_rows(
        start, 100, 2, 200, np.random.default_rng(0), level=np.array([1.0, 3.0])
    )
    assert s.size == 200
    share = np.mean(s == 1)
    assert 0.68 < share < 0.82
    assert (o >= 1).all() and (o + step - 1 < 100).all()  # every target is inside the history
    # With every candidate fitting under the cap, all are used once, whatever the levels.
    s_all, _, _ = sample_rows(
        start, 100, 2, 10_000, np.random.default_rng(0), level=np.array([1.0, 3.0])
    )
    assert s_all.size == 2 * (99 + 98)
    assert np.mean(s_all == 1) == 0.5
