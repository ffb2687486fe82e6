"""Rolling-origin backtest, calibration and the promotion rule on small synthetic data."""

import numpy as np
import pytest

from recommendations.engine.forecast import (
    BoostingParams,
    ForecastParams,
    ModelScore,
    backtest,
    build_panel,
    compare_models,
    model_forecaster,
)
from recommendations.engine.forecast.backtest import origins_for
from recommendations.engine.forecast.uncertainty import fit_dispersion, nb_quantile

from .synthetic import sales_frame


def test_backtest_scores_baselines_and_the_global_model() -> None:
    sales, products = sales_frame(periods=40, freq="W", n_stores=6)
    panel = build_panel(sales, products=products)
    assert panel.freq == "W"
    assert origins_for(panel, 4, 3) == [28, 32, 36]
    fast = BoostingParams(max_iter=30, learning_rate=0.2, max_leaf_nodes=15, min_samples_leaf=20)
    forecasters = {
        "seasonal_naive": model_forecaster(ForecastParams(horizon=4, method="seasonal_naive")),
        "global": model_forecaster(ForecastParams(horizon=4, boosting=fast, min_train_rows=100)),
    }
    scores = backtest(panel, forecasters, horizon=4, origins=3)
    for s in scores.values():
        assert len(s.origin_wrmsse) == 3
        assert np.isfinite(s.wrmsse) and 0 <= s.coverage90 <= 1
    # the promotions drive demand; the global model sees them, seasonal naive cannot
    assert scores["global"].wrmsse < scores["seasonal_naive"].wrmsse


def test_calibration_recovers_coverage_on_negative_binomial_data() -> None:
    rng = np.random.default_rng(1)
    mu = rng.gamma(2.0, 3.0, 20_000)
    k = 2.0

    def draw(m):
        return rng.negative_binomial(k, k / (k + m))

    disp = fit_dispersion(draw(mu), mu)
    assert 1.0 < np.median(disp.k) < 4.0
    fresh = draw(mu)
    p90 = nb_quantile(mu, disp.k_for(mu), 0.9)
    # integer quantiles cover at least their level, so compare with the true distribution's
    truth = nb_quantile(mu, np.full(mu.shape, k), 0.9)
    assert np.mean(fresh <= p90) == pytest.approx(np.mean(fresh <= truth), abs=0.015)
    assert np.mean(fresh <= p90) >= 0.88


def _score(name: str, wrmsse: float, cov: float = 0.9) -> ModelScore:
    return ModelScore(name, wrmsse, 0, 0, 0, 0, 0, cov, 0, (wrmsse,))


def test_promotion_rule() -> None:
    base = [_score("snaive", 1.0), _score("tsb", 0.8)]
    assert compare_models(_score("new", 0.7), base).promote
    assert not compare_models(_score("new", 0.85), base).promote
    assert not compare_models(_score("new", 0.7), base, _score("old", 0.6)).promote
    assert not compare_models(_score("new", 0.7, cov=0.7), base).promote
    decision = compare_models(_score("new", 0.7), base, _score("old", 0.72))
    assert decision.promote and decision.ratio_to_best_baseline == pytest.approx(0.875)
