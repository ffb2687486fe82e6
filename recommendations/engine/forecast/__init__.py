"""Demand forecasting: panel, baselines, global gradient-boosting model, quantiles, backtest.

Public contract for callers (the Django side, the evaluation command, the benches)::

    panel = build_panel(sales_frame, future=planned_frame, products=products_frame)
    model = fit(panel, ForecastParams(horizon=14))      # picklable ForecastModel
    result = predict(model, panel)                      # ForecastResult
    result.mean, result.p50, result.p90                 # [n_series, horizon]
    result.total_quantiles([0.8, 0.9, 0.95, 0.98], periods=5)   # [n_series, 4]
"""

from .api import ForecastModel, ForecastParams, ForecastResult, fit, predict
from .backtest import ModelScore, PromotionDecision, backtest, compare_models, model_forecaster
from .baselines import BASELINES, baseline_forecast
from .global_model import BoostingParams
from .panel import Panel, build_panel, infer_freq, load_dataset

__all__ = [
    "BASELINES",
    "BoostingParams",
    "ForecastModel",
    "ForecastParams",
    "ForecastResult",
    "ModelScore",
    "Panel",
    "PromotionDecision",
    "backtest",
    "baseline_forecast",
    "build_panel",
    "compare_models",
    "fit",
    "infer_freq",
    "load_dataset",
    "model_forecaster",
    "predict",
]
