"""Rolling-origin evaluation of the forecasters on a dataset in the plain CSV schema.

    python -m recommendations.engine.evaluate --data DIR --freq W --horizon 4 --origins 3

Prints, per model, WRMSSE, mean RMSSE, MASE, bias, P90 coverage, seconds, the WRMSSE ratio to
seasonal naive and how many series (summed over origins) the guard made fall back to a baseline.
Price and promotion columns are used as planned for the forecast periods unless ``--no-planned`` is
given. ``--json`` prints the same figures as one JSON object (non-finite values as null) for
machines. The table keeps its columns whatever the values: a huge or non-finite figure is printed
in a fixed width.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict

from .forecast import BASELINES, ForecastParams, backtest, load_dataset, model_forecaster
from .forecast.backtest import ModelScore


def _cell(value: float, width: int, decimals: int, sign: bool = False) -> str:
    """``value`` right-aligned in ``width`` characters, whatever its size (or nan/inf)."""
    if not math.isfinite(value):
        return f"{value!s:>{width}}"
    text = f"{value:{'+' if sign else ''}.{decimals}f}"
    if len(text) > width - 1:
        text = f"{value:{'+' if sign else ''}.{max(width - 8, 1)}e}"
    return f"{text:>{width}}"


def format_table(scores: Sequence[ModelScore], reference: str = "seasonal_naive") -> str:
    ref = next((s.wrmsse for s in scores if s.name == reference), float("nan"))
    head = (
        f"{'model':<22}{'WRMSSE':>10}{'RMSSE':>10}{'MASE':>10}{'bias':>9}{'P90cov':>8}"
        f"{'seconds':>9}{'vs snaive':>10}{'fallback':>9}"
    )
    lines = [head, "-" * len(head)]
    for s in scores:
        ratio = s.wrmsse / ref if ref and math.isfinite(ref) else float("nan")
        lines.append(
            f"{s.name:<22}{_cell(s.wrmsse, 10, 4)}{_cell(s.mean_rmsse, 10, 4)}"
            f"{_cell(s.mase, 10, 4)}{_cell(s.bias, 9, 3, sign=True)}{_cell(s.coverage90, 8, 3)}"
            f"{_cell(s.seconds, 9, 1)}{_cell(ratio, 10, 3)}{s.guarded:>9d}"
        )
    censored = [s for s in scores if s.censored_cells]
    if censored:
        lines.append(
            f"censored test cells (ended out of stock, scored apart): {censored[0].censored_cells}; "
            "forecast / sales there: "
            + ", ".join(f"{s.name} {s.censored_lift:.2f}" for s in censored)
        )
    return "\n".join(lines)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(scores: Sequence[ModelScore], reference: str = "seasonal_naive", **meta: object) -> str:
    """The scores as one JSON object: ``{"meta": ..., "models": {name: {...}}}`` (nulls for
    non-finite values, and ``ratio_to_seasonal_naive``)."""
    ref = next((s.wrmsse for s in scores if s.name == reference), float("nan"))
    models = {}
    for s in scores:
        row = {k: _finite(v) for k, v in asdict(s).items()}
        row["ratio_to_seasonal_naive"] = _finite(s.wrmsse / ref if ref else float("nan"))
        models[s.name] = row
    return json.dumps({"meta": meta, "models": models}, indent=2, allow_nan=False)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="directory with sales.csv[.gz], products.csv")
    ap.add_argument("--freq", choices=["D", "W"], default=None, help="default: inferred")
    ap.add_argument("--horizon", type=int, default=4)
    ap.add_argument("--origins", type=int, default=3)
    ap.add_argument(
        "--no-planned",
        action="store_true",
        help="do not use price/promotion plans for the forecast periods",
    )
    ap.add_argument(
        "--models",
        default="all",
        help=f"comma list among global,{','.join(BASELINES)} (default all)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    began = time.perf_counter()
    panel = load_dataset(args.data, freq=args.freq)
    planned = not args.no_planned
    if not args.json:
        print(
            f"data: {args.data}  series={panel.n_series} periods={panel.n_obs} "
            f"freq={panel.freq} planned={'yes' if planned and panel.has_planned else 'no'}  "
            f"load {time.perf_counter() - began:.1f}s",
            flush=True,
        )
    names = [*BASELINES, "global"] if args.models == "all" else args.models.split(",")
    forecasters = {
        n: model_forecaster(
            ForecastParams(
                horizon=args.horizon, method=n, use_planned=planned, random_state=args.seed
            )
        )
        for n in names
    }
    scores = backtest(
        panel, forecasters, horizon=args.horizon, origins=args.origins, use_planned=planned
    )
    if args.json:
        meta = {
            "data": args.data,
            "series": panel.n_series,
            "periods": panel.n_obs,
            "freq": panel.freq,
            "planned": planned and panel.has_planned,
            "horizon": args.horizon,
            "origins": args.origins,
        }
        print(to_json(list(scores.values()), **meta))
        return 0
    print(f"rolling origin: horizon={args.horizon} origins={args.origins}")
    print(format_table(list(scores.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
