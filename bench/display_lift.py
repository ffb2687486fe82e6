"""Display lift on a dataset in the plain sales schema (default: ../shared/data/breakfast).

    .venv/bin/python bench/display_lift.py [--data DIR] [--markdown]

Poisson regression with store x product and category x week fixed effects; the lift of an in-store
display net of price cuts (TPR flag and price / base price) and feature ads, per category and
overall, with store-clustered 95% intervals; a log-linear OLS beside it as a robustness check.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recommendations.engine.shelf.lift import display_lift_table, format_table  # noqa: E402


def _read(data: Path, stem: str) -> pd.DataFrame:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (data / name).exists():
            return pd.read_csv(data / name)
    raise SystemExit(f"{data}: no {stem}.csv[.gz]")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "breakfast")
    ap.add_argument("--markdown", action="store_true", help="print the markdown table for docs")
    args = ap.parse_args()
    data = args.data if args.data.is_absolute() else (Path.cwd() / args.data)
    sales, products = _read(data, "sales"), _read(data, "products")
    if "display" not in sales:
        raise SystemExit("the sales file has no display column")
    t0 = time.perf_counter()
    table = display_lift_table(sales, products)
    elapsed = time.perf_counter() - t0
    if args.markdown:
        print(format_table(table))
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"\n{len(sales):,} rows, {elapsed:.1f} s")


if __name__ == "__main__":
    main()
