"""Rolling-origin evaluation of the forecasters on a dataset in the plain CSV schema.

    python -m recommendations.engine.evaluate --data DIR --freq W --horizon 4 --origins 3

Prints, per model, WRMSSE, mean RMSSE, MASE, bias, P90 coverage, seconds and the WRMSSE ratio to
seasonal naive. Price and promotion columns are used as planned for the forecast periods unless
``--no-planned`` is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from .forecast import BASELINES, ForecastParams, backtest, load_dataset, model_forecaster
from .forecast.backtest import ModelScore


def format_table(scores: Sequence[ModelScore], reference: str = "seasonal_naive") -> str:
    ref = next((s.wrmsse for s in scores if s.name == reference), float("nan"))
    head = (
        f"{'model':<22}{'WRMSSE':>8}{'RMSSE':>8}{'MASE':>8}{'bias':>8}{'P90cov':>8}"
        f"{'seconds':>9}{'vs snaive':>10}"
    )
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(
            f"{s.name:<22}{s.wrmsse:>8.4f}{s.mean_rmsse:>8.4f}{s.mase:>8.4f}{s.bias:>+8.3f}"
            f"{s.coverage90:>8.3f}{s.seconds:>9.1f}{s.wrmsse / ref:>10.3f}"
        )
    return "\n".join(lines)


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
    args = ap.parse_args(argv)

    began = time.perf_counter()
    panel = load_dataset(args.data, freq=args.freq)
    planned = not args.no_planned
    print(
        f"data: {args.data}  series={panel.n_series} periods={panel.n_obs} freq={panel.freq} "
        f"planned={'yes' if planned and panel.has_planned else 'no'}  "
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
    print(f"rolling origin: horizon={args.horizon} origins={args.origins}")
    print(format_table(list(scores.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
