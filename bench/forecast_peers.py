"""Our forecasters against open-source peers, in the same rolling-origin backtest.

    bench/.venv/bin/python bench/forecast_peers.py [--data ../shared/data/breakfast]

Peers: statsforecast's Naive, SeasonalNaive, AutoETS, CrostonOptimized, TSB, ADIDA, IMAPA, and an
mlforecast + LightGBM global model given the same information as ours (lags, rolling means,
calendar, store/product/category, and the planned price ratio and promotion/display flags of the
forecast periods). Every model is scored by the engine's own backtest (same origins, same cut of
the history, same metrics), so the WRMSSE figures are directly comparable. Prints each model's
WRMSSE and seconds, then ours as ratios to each peer's, then the issue's targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from recommendations.engine.forecast import (  # noqa: E402
    ForecastParams,
    Panel,
    backtest,
    load_dataset,
    model_forecaster,
)

SF_MODELS = ("Naive", "SeasonalNaive", "AutoETS", "CrostonOptimized", "TSB", "ADIDA", "IMAPA")


def pandas_freq(panel: Panel) -> str:
    if panel.freq == "D":
        return "D"
    return "W-" + panel.dates[0].day_name()[:3].upper()


def long_history(cut: Panel) -> pd.DataFrame:
    """The cut history as statsforecast/mlforecast want it: one row per series and period since
    the first sale, zeros filled, plus the covariates of those periods."""
    _n, t = cut.units.shape
    s, i = np.nonzero(np.arange(t)[None, :] >= cut.start[:, None])
    frame = pd.DataFrame({"unique_id": s, "ds": cut.dates[i], "y": cut.units[s, i]})
    return frame.assign(**_covariates(cut, s, i))


def _covariates(cut: Panel, s: np.ndarray, i: np.ndarray) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    if cut.price_ratio is not None:
        cols["price_ratio"] = cut.price_ratio[s, i]
    for name, v in cut.flags.items():
        cols[name] = v[s, i].astype(np.float32)
    return cols


def to_matrix(fc: pd.DataFrame, column: str, n: int, horizon: int) -> np.ndarray:
    fc = fc.sort_values(["unique_id", "ds"])
    out = np.zeros((n, horizon))
    ids = fc["unique_id"].to_numpy().astype(int)
    step = fc.groupby("unique_id").cumcount().to_numpy()
    out[ids, step] = np.maximum(np.nan_to_num(fc[column].to_numpy(float)), 0.0)
    return out


def statsforecast_peer(name: str, season: int):
    from statsforecast import StatsForecast
    from statsforecast import models as m

    def build():
        return {
            "Naive": m.Naive(),
            "SeasonalNaive": m.SeasonalNaive(season_length=season),
            "AutoETS": m.AutoETS(season_length=season),
            "CrostonOptimized": m.CrostonOptimized(),
            "TSB": m.TSB(alpha_d=0.1, alpha_p=0.1),
            "ADIDA": m.ADIDA(),
            "IMAPA": m.IMAPA(),
        }[name]

    def run(cut: Panel, horizon: int):
        df = long_history(cut)[["unique_id", "ds", "y"]]
        # Series launched just before the origin are too short for some models (AutoETS
        # raises); statsforecast's own fallback answers for those, as a user would set it up.
        sf = StatsForecast(
            models=[build()], freq=pandas_freq(cut), n_jobs=1, fallback_model=m.Naive()
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = sf.forecast(df=df, h=horizon).reset_index()
        return to_matrix(fc, name, cut.n_series, horizon), None, None

    return run


def mlforecast_peer(season: int, seed: int):
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, RollingStd

    def run(cut: Panel, horizon: int):
        df = long_history(cut)
        category = cut.category if cut.category is not None else np.array([""] * cut.n_series)
        static = pd.DataFrame(
            {
                "unique_id": np.arange(cut.n_series),
                "store": pd.factorize(cut.store_ids)[0],
                "product": pd.factorize(cut.product_ids)[0],
                "category": pd.factorize(category)[0],
            }
        )
        df = df.merge(static, on="unique_id")
        dynamic = [c for c in df.columns if c not in ("unique_id", "ds", "y", *static.columns)]
        lags = [1, 2, 3, 4, 5, 6, 8, 13] + ([season] if season > 13 else [14, 21, 28])
        windows = [4, 8, 13, 26, 52] if season > 13 else [7, 14, 28, 56, 112]
        model = lgb.LGBMRegressor(
            objective="poisson",
            n_estimators=500,
            learning_rate=0.05,
            num_leaves=63,
            min_child_samples=50,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=seed,
            n_jobs=1,
            verbose=-1,
        )
        fcst = MLForecast(
            models={"lgbm": model},
            freq=pandas_freq(cut),
            lags=lags,
            lag_transforms={1: [RollingMean(w) for w in windows] + [RollingStd(windows[1])]},
            date_features=["month", "week"] if season > 13 else ["dayofweek", "month", "day"],
            num_threads=1,
        )
        # LightGBM handles missing lags itself, so keep young series' rows (dropna=False)
        fcst.fit(df, static_features=["store", "product", "category"], dropna=False)
        n, t = cut.n_series, cut.n_obs
        s = np.repeat(np.arange(n), horizon)
        i = np.tile(np.arange(t, t + horizon), n)
        future = pd.DataFrame({"unique_id": s, "ds": cut.dates[i], **_covariates(cut, s, i)})
        fc = fcst.predict(horizon, X_df=future[["unique_id", "ds", *dynamic]] if dynamic else None)
        return to_matrix(fc, "lgbm", n, horizon), None, None

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(REPO / ".." / "shared" / "data" / "breakfast"))
    ap.add_argument("--freq", choices=["D", "W"], default=None)
    ap.add_argument("--horizon", type=int, default=4)
    ap.add_argument("--origins", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-ets", action="store_true", help="AutoETS is the slowest peer")
    ap.add_argument("--only", default="", help="comma list of model names to run (quick checks)")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")

    panel = load_dataset(args.data, freq=args.freq)
    h, k = args.horizon, args.origins
    print(
        f"data: {Path(args.data).resolve()}  series={panel.n_series} periods={panel.n_obs} "
        f"freq={panel.freq}  horizon={h} origins={k}",
        flush=True,
    )
    params = ForecastParams(horizon=h, random_state=args.seed)
    planned: dict = {"ours_global": model_forecaster(params)}
    planned["mlforecast_lgbm"] = mlforecast_peer(panel.season, args.seed)
    for name in SF_MODELS:
        if not (args.skip_ets and name == "AutoETS"):
            planned[f"sf_{name}"] = statsforecast_peer(name, panel.season)
    unplanned = {
        "ours_global_noplan": model_forecaster(
            ForecastParams(horizon=h, use_planned=False, random_state=args.seed)
        ),
        "mlforecast_lgbm_noplan": mlforecast_peer(panel.season, args.seed),
    }
    if args.only:
        keep = set(args.only.split(","))
        planned = {k: v for k, v in planned.items() if k in keep}
        unplanned = {k: v for k, v in unplanned.items() if k in keep}
    began = time.perf_counter()
    # One thread for every model (ours, LightGBM, statsforecast): same footing, and no OpenMP
    # oversubscription on a shared 2-core machine.
    limit = threadpool_limits(limits=1)
    scores = backtest(panel, planned, horizon=h, origins=k, use_planned=True) if planned else {}
    if unplanned:
        scores |= backtest(panel, unplanned, horizon=h, origins=k, use_planned=False)
    limit.unregister()
    print(f"\n{'model':<26}{'WRMSSE':>8}{'RMSSE':>8}{'MASE':>8}{'P90cov':>8}{'seconds':>9}")
    for s in scores.values():
        print(
            f"{s.name:<26}{s.wrmsse:>8.4f}{s.mean_rmsse:>8.4f}{s.mase:>8.4f}"
            f"{s.coverage90:>8.3f}{s.seconds:>9.1f}"
        )
    if args.only:
        return 0
    ours, ours_np = scores["ours_global"].wrmsse, scores["ours_global_noplan"].wrmsse
    print(f"\n{'ratio to peer':<26}{'ours':>8}{'ours noplan':>12}")
    for s in scores.values():
        if not s.name.startswith("ours"):
            print(f"{s.name:<26}{ours / s.wrmsse:>8.3f}{ours_np / s.wrmsse:>12.3f}")
    sf_best = min((s for s in scores.values() if s.name.startswith("sf_")), key=lambda s: s.wrmsse)
    mlf = scores["mlforecast_lgbm"].wrmsse
    sf_all = [s.wrmsse for s in scores.values() if s.name.startswith("sf_")]
    print("\ntargets:")
    print(
        f"  ours <= mlforecast+LightGBM (planned): {ours:.4f} vs {mlf:.4f} -> "
        f"{'MET' if ours <= mlf else 'MISSED'}"
    )
    print(
        f"  ours >= 25% below best statsforecast ({sf_best.name} {sf_best.wrmsse:.4f}): "
        f"{1 - ours / sf_best.wrmsse:.1%} below -> "
        f"{'MET' if ours <= 0.75 * sf_best.wrmsse else 'MISSED'}"
    )
    print(
        f"  ours without plans below every statsforecast model: {ours_np:.4f} -> "
        f"{'MET' if ours_np < min(sf_all) else 'MISSED'}"
    )
    print(
        f"  P90 coverage in 0.85-0.95: {scores['ours_global'].coverage90:.3f} -> "
        f"{'MET' if 0.85 <= scores['ours_global'].coverage90 <= 0.95 else 'MISSED'}"
    )
    print(f"total bench time {time.perf_counter() - began:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
