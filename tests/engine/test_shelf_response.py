"""Space / display response: known effects recovered on synthetic data; shrinkage when thin."""

import math

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.shelf.lift import display_lift_table
from recommendations.engine.shelf.response import DEFAULT_PRIORS, estimate_space_response


def _synthetic(
    beta, eye, display, n_stores=30, n_products=8, n_weeks=40, categories=("a",), seed=0
):
    rng = np.random.default_rng(seed)
    rows = []
    for cat in categories:
        for s in range(n_stores):
            for p in range(n_products):
                base = rng.uniform(1, 8)
                for w in range(n_weeks):
                    f = int(rng.integers(1, 6))
                    e = int(rng.random() < 0.3)
                    d = int(rng.random() < 0.15)
                    lam = base * f**beta * math.exp(eye * e + display * d + 0.1 * math.sin(w))
                    rows.append((s, f"{cat}{p}", cat, w, rng.poisson(lam), f, e, d))
    return pd.DataFrame(
        rows,
        columns=[
            "store",
            "product",
            "category",
            "period",
            "units",
            "facings",
            "level_is_eye",
            "display",
        ],
    )


def test_recovers_known_beta_and_lifts():
    df = _synthetic(beta=0.25, eye=math.log(1.2), display=math.log(1.6))
    est = {e.effect: e for e in estimate_space_response(df).estimates}
    assert est["facings_beta"].estimate == pytest.approx(0.25, abs=0.03)
    assert est["eye_lift"].estimate == pytest.approx(math.log(1.2), abs=0.04)
    assert est["display_lift"].estimate == pytest.approx(math.log(1.6), abs=0.05)
    assert est["facings_beta"].weight_on_data > 0.9  # plenty of data: the data wins
    resp = estimate_space_response(df).params.for_category("a")
    assert resp.facings_beta == pytest.approx(0.25, abs=0.03)


def test_thin_data_stays_near_the_prior_and_missing_columns_use_it():
    df = _synthetic(beta=0.4, eye=0.0, display=0.0, n_stores=2, n_products=2, n_weeks=6, seed=3)
    df = df.drop(columns=["display"])
    res = estimate_space_response(df)
    est = {e.effect: e for e in res.estimates}
    prior = DEFAULT_PRIORS["facings_beta"]
    assert est["display_lift"].estimate is None
    assert res.params.for_category("a").display_lift == pytest.approx(
        math.exp(DEFAULT_PRIORS["display_lift"].mean) - 1
    )
    if est["facings_beta"].estimate is not None:
        shrunk = est["facings_beta"].shrunk
        assert abs(shrunk - prior.mean) < abs(est["facings_beta"].estimate - prior.mean) + 1e-12
    assert res.params.for_category("unknown").source == "prior"


def test_display_lift_separated_from_price_cut():
    rng = np.random.default_rng(7)
    rows = []
    for s in range(25):
        for p in range(6):
            base = rng.uniform(2, 10)
            for _w in range(50):
                d = int(rng.random() < 0.15)
                tpr = int(not d and rng.random() < 0.2)
                price_cut = d * rng.choice([0, 0.2]) + tpr * 0.2  # displays often come with a cut
                lam = base * math.exp(math.log(1.5) * d + 2.0 * price_cut)
                rows.append(("2020-01-01", s, p, rng.poisson(lam), 1 - price_cut, 1.0, d, 0, tpr))
    sales = pd.DataFrame(
        rows,
        columns=[
            "date",
            "store_id",
            "product_id",
            "units",
            "price",
            "base_price",
            "display",
            "feature",
            "tpr",
        ],
    )
    sales["date"] = pd.to_datetime("2020-01-01") + pd.to_timedelta(
        np.tile(np.arange(50), 150) * 7, unit="D"
    )
    products = pd.DataFrame({"product_id": range(6), "category": ["x"] * 6})
    table = display_lift_table(sales, products)
    row = table[table.category == "ALL"].iloc[0]
    assert row.ci95_low < 0.5 < row.ci95_high
    assert row.display_lift == pytest.approx(0.5, abs=0.1)
