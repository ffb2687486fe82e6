"""The dense panel: zero-fill, series membership, frequency, planned covariates, the cut."""

import pandas as pd
import pytest

from recommendations.engine.forecast import build_panel, infer_freq
from recommendations.engine.forecast.calendar import calendar_features, default_festivals


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [
                "2024-01-01",
                "2024-01-03",
                "2024-01-04",
                "2024-01-02",
                "2024-01-04",
                "2024-01-02",
            ],
            "store_id": [1, 1, 1, 2, 2, 3],
            "product_id": ["a", "a", "a", "a", "a", "b"],
            "units": [2, 3, 1, 4, 5, 0],
            "price": [1.0, 0.5, 1.0, 1.0, 1.0, 2.0],
            "base_price": [1.0, 1.0, 1.0, 1.0, 1.0, 2.0],
            "promo": [0, 1, 0, 0, 0, 0],
        }
    )


def test_dense_panel_fills_zeros_after_the_first_sale() -> None:
    panel = build_panel(_frame())
    assert panel.freq == "D"
    # store 3 x b never sold: not a series
    assert list(zip(panel.store_ids, panel.product_ids, strict=True)) == [(1, "a"), (2, "a")]
    assert panel.units.tolist() == [[2, 0, 3, 1], [0, 4, 0, 5]]
    assert panel.start.tolist() == [0, 1]
    assert panel.price_ratio is not None
    assert panel.price_ratio[0].tolist() == [1.0, 1.0, 0.5, 1.0]
    assert panel.flags["promo"][0].tolist() == [0, 0, 1, 0]


def test_frequency_is_inferred() -> None:
    assert infer_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22"]))) == "W"
    assert infer_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]))) == "D"
    with pytest.raises(ValueError):
        infer_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"])))


def test_future_rows_are_planned_covariates() -> None:
    future = pd.DataFrame(
        {
            "date": ["2024-01-06"],
            "store_id": [1],
            "product_id": ["a"],
            "price": [0.8],
            "base_price": [1.0],
            "promo": [1],
        }
    )
    panel = build_panel(_frame(), future=future)
    assert panel.n_obs == 4 and panel.n_total == 6
    assert panel.flags["promo"][0, 4:].tolist() == [0, 1]
    assert panel.price_ratio is not None
    assert panel.price_ratio[0, 5] == pytest.approx(0.8)


def test_cut_drops_the_future_and_unborn_series() -> None:
    panel = build_panel(_frame())
    cut = panel.cut(1, 2, keep_planned=False)
    assert cut.n_series == 1 and cut.n_obs == 1
    assert cut.flags["promo"][0].tolist() == [0, 0, 0]  # the promo at t=2 is hidden
    planned = panel.cut(1, 2)
    assert planned.flags["promo"][0].tolist() == [0, 0, 1]


def test_festivals_are_data_and_map_to_the_containing_week() -> None:
    fest = default_festivals()
    spring = fest[fest["festival"] == "spring_festival"]
    assert len(spring) == 21  # 2015..2035
    # a festival on Wednesday 2024-01-10 falls in the week ending Sunday 2024-01-14
    mine = pd.DataFrame({"date": pd.to_datetime(["2024-01-10"]), "festival": ["x"]})
    weeks = pd.DatetimeIndex(["2024-01-07", "2024-01-14", "2024-01-21"])
    cal = calendar_features(weeks, "W", mine)
    assert cal["festival"].tolist() == [0, 1, 0]
    days = pd.date_range("2024-01-08", periods=4)
    cal = calendar_features(days, "D", mine)
    assert cal["festival"].tolist() == [0, 0, 1, 0]
    assert cal["days_to_festival"][:2].tolist() == [2, 1]
