"""Our forecasters against open-source peers, in the same rolling-origin backtest.

    bench/.venv/bin/python bench/forecast_peers.py [--data ../shared/data/breakfast] [--json PATH]
    bench/.venv/bin/python bench/forecast_peers.py --corpus all [--skip-ets] [--json PATH]

Peers: statsforecast's Naive, SeasonalNaive, AutoETS, CrostonOptimized, TSB, ADIDA, IMAPA,
HistoricAverage, WindowAverage and SeasonalWindowAverage, and an mlforecast + LightGBM global
model given the same information as ours (lags, rolling means, calendar, store/product/category,
and the planned price ratio and promotion/display/feature flags of the forecast periods). Every
model is scored by the engine's own backtest (same origins, same cut of the history, same
metrics), so the WRMSSE figures are directly comparable. Prints each model's WRMSSE and seconds,
then ours as ratios to each peer's, then the issue's targets.

``--corpus`` runs the same peers on the synthetic robustness corpus
(``recommendations.engine.forecast.corpus``), one panel per regime, and prints per regime ours
against the best statsforecast model and mlforecast + LightGBM, then the corpus targets.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
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
    ModelScore,
    Panel,
    backtest,
    build_panel,
    load_dataset,
    model_forecaster,
)
from recommendations.engine.forecast.backtest import Forecaster  # noqa: E402
from recommendations.engine.forecast.corpus import REGIMES, make_corpus  # noqa: E402

#: Default corpus sizes, chosen so that ``--corpus all`` stays near 20 minutes on one core.
CORPUS_SERIES = 200
MIX_SERIES = 400

SF_MODELS = (
    "Naive",
    "SeasonalNaive",
    "AutoETS",
    "CrostonOptimized",
    "TSB",
    "ADIDA",
    "IMAPA",
    "HistoricAverage",
    "WindowAverage",
    "SeasonalWindowAverage",
)


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


def to_matrix(
    fc: pd.DataFrame, column: str, n: int, horizon: int, fill: np.ndarray | None = None
) -> np.ndarray:
    """[n, horizon] forecasts; a NaN forecast takes ``fill`` (per series) or zero."""
    fc = fc.sort_values(["unique_id", "ds"])
    out = np.zeros((n, horizon))
    ids = fc["unique_id"].to_numpy().astype(int)
    step = fc.groupby("unique_id").cumcount().to_numpy()
    out[ids, step] = fc[column].to_numpy(float)
    if fill is not None:
        out = np.where(np.isnan(out), fill[:, None], out)
    return np.maximum(np.nan_to_num(out), 0.0)


def statsforecast_peer(name: str, season: int):
    from statsforecast import StatsForecast
    from statsforecast import models as m

    # Window lengths as the engine's moving average: eight weeks, or four weeks of days; the
    # seasonal window averages the same weekday of the last four weeks, or the same week of the
    # last two years.
    window = 8 if season > 13 else 28
    seasons = 2 if season > 13 else 4

    def build():
        return {
            "Naive": lambda: m.Naive(),
            "SeasonalNaive": lambda: m.SeasonalNaive(season_length=season),
            "AutoETS": lambda: m.AutoETS(season_length=season),
            "CrostonOptimized": lambda: m.CrostonOptimized(),
            "TSB": lambda: m.TSB(alpha_d=0.1, alpha_p=0.1),
            "ADIDA": lambda: m.ADIDA(),
            "IMAPA": lambda: m.IMAPA(),
            "HistoricAverage": lambda: m.HistoricAverage(),
            "WindowAverage": lambda: m.WindowAverage(window_size=window, alias=name),
            "SeasonalWindowAverage": lambda: m.SeasonalWindowAverage(
                season_length=season, window_size=seasons, alias=name
            ),
        }[name]()

    def run(cut: Panel, horizon: int):
        df = long_history(cut)[["unique_id", "ds", "y"]]
        # Series launched just before the origin are too short for some models (AutoETS
        # raises); statsforecast's own fallback answers for those, as a user would set it up.
        # The window averages return NaN instead of raising: the same naive forecast answers.
        sf = StatsForecast(
            models=[build()], freq=pandas_freq(cut), n_jobs=1, fallback_model=m.Naive()
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = sf.forecast(df=df, h=horizon).reset_index()
        last = cut.units[:, -1].astype(np.float64)
        return to_matrix(fc, name, cut.n_series, horizon, fill=last), None, None

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
        # LightGBM handles missing lags itself, so keep young series' rows (dropna=False; the
        # warning about those nulls is expected)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Found null values")
            fcst.fit(df, static_features=["store", "product", "category"], dropna=False)
        n, t = cut.n_series, cut.n_obs
        s = np.repeat(np.arange(n), horizon)
        i = np.tile(np.arange(t, t + horizon), n)
        future = pd.DataFrame({"unique_id": s, "ds": cut.dates[i], **_covariates(cut, s, i)})
        fc = fcst.predict(horizon, X_df=future[["unique_id", "ds", *dynamic]] if dynamic else None)
        return to_matrix(fc, "lgbm", n, horizon), None, None

    return run


def peers(
    panel: Panel, horizon: int, seed: int, *, skip_ets: bool, noplan: bool
) -> tuple[dict[str, Forecaster], dict[str, Forecaster]]:
    """Forecasters run with the plans (all) and without them (ours and mlforecast only)."""
    params = ForecastParams(horizon=horizon, random_state=seed)
    planned: dict[str, Forecaster] = {"ours_global": model_forecaster(params)}
    planned["mlforecast_lgbm"] = mlforecast_peer(panel.season, seed)
    for name in SF_MODELS:
        if not (skip_ets and name == "AutoETS"):
            planned[f"sf_{name}"] = statsforecast_peer(name, panel.season)
    unplanned: dict[str, Forecaster] = {}
    if noplan:
        unplanned = {
            "ours_global_noplan": model_forecaster(
                ForecastParams(horizon=horizon, use_planned=False, random_state=seed)
            ),
            "mlforecast_lgbm_noplan": mlforecast_peer(panel.season, seed),
        }
    return planned, unplanned


def run_backtest(
    panel: Panel,
    planned: dict[str, Forecaster],
    unplanned: dict[str, Forecaster],
    horizon: int,
    origins: int,
) -> dict[str, ModelScore]:
    # One thread for every model (ours, LightGBM, statsforecast): same footing, and no OpenMP
    # oversubscription on a shared 2-core machine.
    with threadpool_limits(limits=1):
        scores = (
            backtest(panel, planned, horizon=horizon, origins=origins, use_planned=True)
            if planned
            else {}
        )
        if unplanned:
            scores |= backtest(
                panel, unplanned, horizon=horizon, origins=origins, use_planned=False
            )
    return scores


def print_scores(scores: dict[str, ModelScore]) -> None:
    print(f"{'model':<30}{'WRMSSE':>10}{'RMSSE':>8}{'MASE':>8}{'P90cov':>8}{'seconds':>9}")
    for s in scores.values():
        print(
            f"{s.name:<30}{s.wrmsse:>10.4f}{s.mean_rmsse:>8.4f}{s.mase:>8.4f}"
            f"{s.coverage90:>8.3f}{s.seconds:>9.1f}"
        )


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def score_json(s: ModelScore) -> dict:
    return {
        "wrmsse": _finite(s.wrmsse),
        "mean_rmsse": _finite(s.mean_rmsse),
        "mase": _finite(s.mase),
        "bias": _finite(s.bias),
        "pinball50": _finite(s.pinball50),
        "pinball90": _finite(s.pinball90),
        "coverage90": _finite(s.coverage90),
        "seconds": round(s.seconds, 2),
        "origin_wrmsse": [_finite(v) for v in s.origin_wrmsse],
    }


def write_json(path: str, payload: dict) -> None:
    Path(path).write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    print(f"figures written to {path}")


def dataset_main(args: argparse.Namespace) -> int:
    panel = load_dataset(args.data, freq=args.freq)
    h, k = args.horizon or 4, args.origins
    print(
        f"data: {Path(args.data).resolve()}  series={panel.n_series} periods={panel.n_obs} "
        f"freq={panel.freq}  horizon={h} origins={k}",
        flush=True,
    )
    planned, unplanned = peers(panel, h, args.seed, skip_ets=args.skip_ets, noplan=True)
    if args.only:
        keep = set(args.only.split(","))
        planned = {k: v for k, v in planned.items() if k in keep}
        unplanned = {k: v for k, v in unplanned.items() if k in keep}
    began = time.perf_counter()
    scores = run_backtest(panel, planned, unplanned, h, k)
    print()
    print_scores(scores)
    payload: dict = {
        "mode": "dataset",
        "data": str(Path(args.data).resolve()),
        "series": panel.n_series,
        "periods": panel.n_obs,
        "freq": panel.freq,
        "horizon": h,
        "origins": k,
        "models": {name: score_json(s) for name, s in scores.items()},
    }
    if args.only:
        if args.json:
            write_json(args.json, payload)
        return 0
    ours, ours_np = scores["ours_global"].wrmsse, scores["ours_global_noplan"].wrmsse
    print(f"\n{'ratio to peer':<30}{'ours':>8}{'ours noplan':>12}")
    for s in scores.values():
        if not s.name.startswith("ours"):
            print(f"{s.name:<30}{ours / s.wrmsse:>8.3f}{ours_np / s.wrmsse:>12.3f}")
    sf_best = min((s for s in scores.values() if s.name.startswith("sf_")), key=lambda s: s.wrmsse)
    mlf = scores["mlforecast_lgbm"].wrmsse
    sf_all = [s.wrmsse for s in scores.values() if s.name.startswith("sf_")]
    cov = scores["ours_global"].coverage90
    targets = {
        "ours_le_mlforecast_planned": bool(ours <= mlf),
        "ours_25pct_below_best_sf": bool(ours <= 0.75 * sf_best.wrmsse),
        "ours_noplan_below_every_sf": bool(ours_np < min(sf_all)),
        "p90_coverage_in_band": bool(0.85 <= cov <= 0.95),
    }
    met = {True: "MET", False: "MISSED"}
    print("\ntargets:")
    print(
        f"  ours <= mlforecast+LightGBM (planned): {ours:.4f} vs {mlf:.4f} -> "
        f"{met[targets['ours_le_mlforecast_planned']]}"
    )
    print(
        f"  ours >= 25% below best statsforecast ({sf_best.name} {sf_best.wrmsse:.4f}): "
        f"{1 - ours / sf_best.wrmsse:.1%} below -> {met[targets['ours_25pct_below_best_sf']]}"
    )
    print(
        f"  ours without plans below every statsforecast model: {ours_np:.4f} -> "
        f"{met[targets['ours_noplan_below_every_sf']]}"
    )
    print(f"  P90 coverage in 0.85-0.95: {cov:.3f} -> {met[targets['p90_coverage_in_band']]}")
    print(f"total bench time {time.perf_counter() - began:.0f}s")
    if args.json:
        payload["targets"] = targets
        write_json(args.json, payload)
    return 0


class _Replay:
    """Runs a forecaster once per origin and keeps its answers, so that the same forecasts can be
    scored again against another panel (the stock-out regime's true demand)."""

    def __init__(self, forecaster: Forecaster) -> None:
        self.forecaster = forecaster
        self.answers: dict[int, tuple] = {}

    def run(self, cut: Panel, horizon: int) -> tuple:
        out = self.forecaster(cut, horizon)
        self.answers[cut.n_obs] = out
        return out

    def replay(self, cut: Panel, horizon: int) -> tuple:
        return self.answers[cut.n_obs]


def corpus_panels(regime: str, args: argparse.Namespace) -> tuple[Panel, Panel | None, str, int]:
    """The regime's panel, its true-demand twin (stock-outs), description and horizon."""
    n = args.mix_series if regime == "mix" else args.series
    c = make_corpus(regime, freq=args.freq, n_series=n, seed=args.seed)
    panel = build_panel(c.sales, freq=c.freq, products=c.products)
    truth = None
    if c.truth is not None:
        # The same series, dates and start as the sales panel, with demand for units.
        t = c.truth
        index = pd.MultiIndex.from_arrays([panel.store_ids, panel.product_ids])
        s = index.get_indexer(pd.MultiIndex.from_frame(t[["store_id", "product_id"]]))
        i = panel.dates.get_indexer(pd.DatetimeIndex(t["date"]))
        ok = (s >= 0) & (i >= 0) & (i < panel.n_obs)
        demand = np.zeros_like(panel.units)
        demand[s[ok], i[ok]] = t["demand"].to_numpy(np.float32)[ok]
        before = np.arange(panel.n_obs)[None, :] < panel.start[:, None]
        truth = dataclasses.replace(panel, units=np.where(before, 0.0, demand).astype(np.float32))
    horizon = args.horizon or (7 if c.freq == "D" else 4)
    return panel, truth, c.description, horizon


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def corpus_main(args: argparse.Namespace) -> int:
    regimes = list(REGIMES) if args.corpus == "all" else args.corpus.split(",")
    if bad := [r for r in regimes if r not in REGIMES]:
        print(f"unknown regimes {bad}; expected 'all' or a comma list of {', '.join(REGIMES)}")
        return 2
    began = time.perf_counter()
    print(f"corpus: {', '.join(regimes)}  load average {load()}", flush=True)
    k = args.origins
    results: dict[str, dict] = {}
    cpu_began = time.process_time()
    for regime in regimes:
        t0, cpu0 = time.perf_counter(), time.process_time()
        panel, truth, description, h = corpus_panels(regime, args)
        planned, unplanned = peers(
            panel, h, args.seed, skip_ets=args.skip_ets, noplan=panel.has_planned
        )
        replays = {}
        if truth is not None:
            replays = {name: _Replay(f) for name, f in (planned | unplanned).items()}
            planned = {name: replays[name].run for name in planned}
            unplanned = {name: replays[name].run for name in unplanned}
        print(
            f"\n=== {regime}: series={panel.n_series} periods={panel.n_obs} freq={panel.freq} "
            f"horizon={h} origins={k} plans={'yes' if panel.has_planned else 'no'}\n    "
            f"{description}",
            flush=True,
        )
        scores = run_backtest(panel, planned, unplanned, h, k)
        print_scores(scores)
        entry = corpus_entry(scores)
        entry.update(
            description=description,
            series=panel.n_series,
            periods=panel.n_obs,
            freq=panel.freq,
            horizon=h,
            origins=k,
        )
        if truth is not None:
            # The same forecasts scored against the true (uncensored) demand.
            with threadpool_limits(limits=1):
                on_demand = backtest(
                    truth,
                    {name: r.replay for name, r in replays.items() if name in planned},
                    horizon=h,
                    origins=k,
                )
            print("scored against true demand (same forecasts):")
            print_scores(on_demand)
            entry["against_true_demand"] = corpus_entry(on_demand)
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        entry["cpu_seconds"] = round(time.process_time() - cpu0, 1)
        print_ratios(regime, entry)
        results[regime] = entry
    every = all(e["targets"]["served_le_best_sf"] for e in results.values())
    print_summary(results)
    print("\ncorpus targets:")
    met = {True: "MET", False: "MISSED"}
    print(f"  served <= best statsforecast on every regime: {met[every]}")
    targets = {"served_le_best_sf_every_regime": every}
    if "mix" in results:
        mix = results["mix"]
        ok = mix["targets"]["served_le_mlforecast"]
        print(
            f"  served <= mlforecast+LightGBM on the mix: {mix['ours_global']:.4f} vs "
            f"{mix['mlforecast_lgbm']:.4f} -> {met[ok]}"
        )
        targets["served_le_mlforecast_on_mix"] = ok
    total, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(f"total corpus bench time {total:.0f}s wall, {cpu:.0f}s CPU (load {load()})")
    if args.json:
        write_json(
            args.json,
            {
                "mode": "corpus",
                "seed": args.seed,
                "skip_ets": args.skip_ets,
                "seconds": round(total, 1),
                "cpu_seconds": round(cpu, 1),
                "regimes": results,
                "targets": targets,
            },
        )
    return 0


def corpus_entry(scores: dict[str, ModelScore]) -> dict:
    """Scores plus ours against the best statsforecast model and mlforecast (ratios < 1: ours
    is better)."""
    sf = {n: s.wrmsse for n, s in scores.items() if n.startswith("sf_")}
    best = min(sf, key=lambda n: np.nan_to_num(sf[n], nan=np.inf))
    ours, mlf = scores["ours_global"].wrmsse, scores["mlforecast_lgbm"].wrmsse
    entry: dict = {
        "models": {n: score_json(s) for n, s in scores.items()},
        "ours_global": _finite(ours),
        "best_sf": best,
        "best_sf_wrmsse": _finite(sf[best]),
        "mlforecast_lgbm": _finite(mlf),
        "ratio_to_best_sf": _finite(ours / sf[best]),
        "ratio_to_mlforecast": _finite(ours / mlf),
        "targets": {
            "served_le_best_sf": bool(ours <= sf[best]),
            "served_le_mlforecast": bool(ours <= mlf),
        },
    }
    if "ours_global_noplan" in scores:
        ours_np = scores["ours_global_noplan"].wrmsse
        mlf_np = scores["mlforecast_lgbm_noplan"].wrmsse
        entry.update(
            ours_global_noplan=_finite(ours_np),
            mlforecast_lgbm_noplan=_finite(mlf_np),
            ratio_noplan_to_best_sf=_finite(ours_np / sf[best]),
            ratio_noplan_to_mlforecast_noplan=_finite(ours_np / mlf_np),
        )
    return entry


def _fmt(x: float | None, spec: str = ".4f") -> str:
    return "nan" if x is None else format(x, spec)


def print_ratios(regime: str, e: dict) -> None:
    print(
        f"{regime}: ours {_fmt(e['ours_global'])} = {_fmt(e['ratio_to_best_sf'], '.3f')}x best "
        f"statsforecast ({e['best_sf']} {_fmt(e['best_sf_wrmsse'])}), "
        f"{_fmt(e['ratio_to_mlforecast'], '.3f')}x mlforecast ({_fmt(e['mlforecast_lgbm'])})"
    )
    if "ours_global_noplan" in e:
        print(
            f"{regime} without plans: ours {_fmt(e['ours_global_noplan'])} = "
            f"{_fmt(e['ratio_noplan_to_best_sf'], '.3f')}x best statsforecast, "
            f"{_fmt(e['ratio_noplan_to_mlforecast_noplan'], '.3f')}x mlforecast without plans "
            f"({_fmt(e['mlforecast_lgbm_noplan'])})"
        )
    print(f"{regime}: {e['seconds']:.0f}s wall, {e['cpu_seconds']:.0f}s CPU", flush=True)


def print_summary(results: dict[str, dict]) -> None:
    print(
        f"\n{'regime':<15}{'ours':>10}{'best statsforecast':>33}{'mlforecast':>11}"
        f"{'/best sf':>9}{'/mlf':>7}{'<=sf':>6}{'CPU s':>7}"
    )
    for regime, e in results.items():
        rows = [(regime, e)]
        if "against_true_demand" in e:
            rows.append(("  vs demand", e["against_true_demand"]))
        for label, r in rows:
            print(
                f"{label:<15}{_fmt(r['ours_global']):>10}"
                f"{r['best_sf']:>23}{_fmt(r['best_sf_wrmsse']):>10}"
                f"{_fmt(r['mlforecast_lgbm']):>11}{_fmt(r['ratio_to_best_sf'], '.3f'):>9}"
                f"{_fmt(r['ratio_to_mlforecast'], '.3f'):>7}"
                f"{'yes' if r['targets']['served_le_best_sf'] else 'NO':>6}"
                f"{e['cpu_seconds'] if label == regime else '':>7}"
            )
        if "ours_global_noplan" in e:
            print(
                f"{'  no plans':<15}{_fmt(e['ours_global_noplan']):>10}{'':>33}"
                f"{_fmt(e['mlforecast_lgbm_noplan']):>11}"
                f"{_fmt(e['ratio_noplan_to_best_sf'], '.3f'):>9}"
                f"{_fmt(e['ratio_noplan_to_mlforecast_noplan'], '.3f'):>7}"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(REPO / ".." / "shared" / "data" / "breakfast"))
    ap.add_argument(
        "--corpus",
        default="",
        help=f"'all' or a comma list of synthetic regimes ({','.join(REGIMES)}) instead of --data",
    )
    ap.add_argument("--series", type=int, default=CORPUS_SERIES, help="series per corpus regime")
    ap.add_argument("--mix-series", type=int, default=MIX_SERIES, help="series in the mix")
    ap.add_argument("--freq", choices=["D", "W"], default=None, help="default: data's/regime's")
    ap.add_argument(
        "--horizon", type=int, default=None, help="default 4 (corpus: 4 weekly, 7 daily)"
    )
    ap.add_argument("--origins", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-ets", action="store_true", help="AutoETS is the slowest peer")
    ap.add_argument("--only", default="", help="comma list of model names to run (quick checks)")
    ap.add_argument("--json", default="", help="also write every figure to this JSON file")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    return corpus_main(args) if args.corpus else dataset_main(args)


if __name__ == "__main__":
    sys.exit(main())
