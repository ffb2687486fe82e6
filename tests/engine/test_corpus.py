"""The robustness corpus: every regime has the property it claims, deterministically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.forecast import build_panel
from recommendations.engine.forecast.corpus import REGIMES, Corpus, make_corpus

KEYS = ["store_id", "product_id"]


def dense(c: Corpus) -> tuple[np.ndarray, np.ndarray]:
    """units [n, T] with zeros filled, and each series' first period with a row (its launch)."""
    dates = pd.DatetimeIndex(sorted(c.sales["date"].unique()))
    series = c.sales[KEYS].drop_duplicates().sort_values(KEYS)
    idx = pd.MultiIndex.from_frame(series)
    s = idx.get_indexer(pd.MultiIndex.from_frame(c.sales[KEYS]))
    t = dates.get_indexer(c.sales["date"])
    units = np.zeros((len(series), len(dates)))
    units[s, t] = c.sales["units"].to_numpy()
    first = np.full(len(series), len(dates))
    np.minimum.at(first, s, t)
    return units, first


def series_means(c: Corpus) -> np.ndarray:
    units, first = dense(c)
    alive = np.arange(units.shape[1])[None, :] >= first[:, None]
    return (units * alive).sum(1) / alive.sum(1)


@pytest.mark.parametrize("regime", REGIMES)
def test_every_regime_is_in_the_plain_schema_and_builds_a_panel(regime: str) -> None:
    c = make_corpus(regime, n_series=120)
    s = c.sales
    assert list(s.columns[:4]) == ["date", "store_id", "product_id", "units"]
    assert s["units"].dtype.kind == "i" and (s["units"] >= 0).all()
    assert not s.duplicated(["date", *KEYS]).any()
    assert set(s["product_id"]) <= set(c.products["product_id"])
    assert list(c.products.columns) == ["product_id", "name", "category"]
    # the dates sit on the frequency's grid
    step = np.diff(np.sort(s["date"].unique())) / np.timedelta64(1, "D")
    assert set(step) == {1.0 if c.freq == "D" else 7.0}
    # some zero-sale rows are kept, some left out (as real data does)
    units, first = dense(c)
    alive = np.arange(units.shape[1])[None, :] >= first[:, None]
    assert 0 < len(s) < alive.sum() or regime == "huge"
    panel = build_panel(s, freq=c.freq, products=c.products)
    assert panel.n_series >= 110
    assert np.isfinite(panel.units).all()
    assert regime in c.description


def test_default_frequencies_and_lengths() -> None:
    assert make_corpus("weekly_season", n_series=20).freq == "D"
    assert make_corpus("stockout", n_series=20).freq == "D"
    yearly = make_corpus("yearly_season", n_series=20)
    assert yearly.freq == "W" and yearly.sales["date"].nunique() >= 104
    assert make_corpus("short", n_series=20).sales["date"].nunique() <= 24
    daily_trend = make_corpus("trend", freq="D", n_series=20, periods=50)
    assert daily_trend.freq == "D" and daily_trend.sales["date"].nunique() == 50


@pytest.mark.parametrize("regime", ["tiny", "promo", "stockout", "mix"])
def test_same_seed_same_panel_other_seed_another(regime: str) -> None:
    a, b = make_corpus(regime, n_series=60, seed=3), make_corpus(regime, n_series=60, seed=3)
    pd.testing.assert_frame_equal(a.sales, b.sales)
    pd.testing.assert_frame_equal(a.products, b.products)
    if a.truth is not None:
        assert b.truth is not None
        pd.testing.assert_frame_equal(a.truth, b.truth)
    other = make_corpus(regime, n_series=60, seed=4)
    assert not other.sales["units"].equals(a.sales["units"])


def test_tiny_levels_are_a_twentieth_to_a_half_unit() -> None:
    means = series_means(make_corpus("tiny"))
    assert 0.05 <= np.median(means) <= 0.5
    assert np.mean((means > 0.025) & (means < 0.8)) > 0.95
    assert np.quantile(means, 0.9) / np.quantile(means, 0.1) > 3


def test_huge_levels_span_ten_thousand_to_a_million() -> None:
    means = series_means(make_corpus("huge"))
    assert means.min() > 5e3 and means.max() < 2e6
    assert means.max() / means.min() > 20
    assert np.quantile(means, 0.9) > 1e5


def test_intermittent_series_mostly_sell_nothing() -> None:
    units, first = dense(make_corpus("intermittent"))
    alive = np.arange(units.shape[1])[None, :] >= first[:, None]
    zero_share = ((units == 0) & alive).sum(1) / alive.sum(1)
    assert np.median(zero_share) > 0.7
    assert (zero_share > 0.5).mean() > 0.9
    # when they sell, they sell more than one unit on average
    assert units[units > 0].mean() > 1.5


def test_trends_change_the_level_severalfold() -> None:
    units, _ = dense(make_corpus("trend"))
    quarter = units.shape[1] // 4
    ratio = (units[:, -quarter:].mean(1) + 0.5) / (units[:, :quarter].mean(1) + 0.5)
    assert (np.abs(np.log(ratio)) > np.log(1.3)).mean() > 0.85
    assert (ratio > 1).mean() > 0.3 and (ratio < 1).mean() > 0.3


def test_level_shifts_are_steps() -> None:
    units, _ = dense(make_corpus("level_shift"))
    y = np.log1p(units)
    t = y.shape[1]
    # the best single split of each series (least squares, two means) is a step of x1.4 or more
    splits = range(3, t - 2)
    sse = np.stack(
        [
            ((y[:, :k] - y[:, :k].mean(1, keepdims=True)) ** 2).sum(1)
            + ((y[:, k:] - y[:, k:].mean(1, keepdims=True)) ** 2).sum(1)
            for k in splits
        ],
        1,
    )
    k = np.array(splits)[sse.argmin(1)]
    step = np.array([abs(y[i, : k[i]].mean() - y[i, k[i] :].mean()) for i in range(len(y))])
    assert (step > np.log(1.4)).mean() > 0.85


def test_new_series_launch_at_various_times_some_in_the_last_weeks() -> None:
    c = make_corpus("new")
    _, first = dense(c)
    t = c.sales["date"].nunique()
    assert (first == 0).mean() > 0.15
    assert (first >= t - 8).mean() > 0.12
    assert ((first > 8) & (first < t - 8)).mean() > 0.3


def test_weekly_season_has_strong_day_of_week_profiles() -> None:
    c = make_corpus("weekly_season")
    units, _ = dense(c)
    dow = pd.DatetimeIndex(sorted(c.sales["date"].unique())).day_of_week.to_numpy()
    profile = np.stack([units[:, dow == d].mean(1) for d in range(7)], 1)
    assert np.median(profile.max(1) / profile.min(1)) > 1.8


def test_yearly_season_repeats_from_one_year_to_the_next() -> None:
    units, _ = dense(make_corpus("yearly_season"))
    y = np.log1p(units)
    a, b = y[:, :52], y[:, 52:104]
    corr = [np.corrcoef(a[i], b[i])[0, 1] for i in range(len(y))]
    assert np.median(corr) > 0.6
    assert np.median(np.exp(a.max(1) - a.min(1))) > 2.5


def test_holiday_periods_are_flagged_and_spike() -> None:
    c = make_corpus("holiday")
    s = c.sales
    flagged = s.groupby("date")["feature"].max()
    assert 0.05 < flagged.mean() < 0.2  # six holidays a year, weekly data
    # the week containing Christmas (it ends on Dec 25-31) is flagged every year
    ends = pd.DatetimeIndex(flagged.index)
    christmas = flagged[(ends.month == 12) & (ends.day >= 25)]
    assert len(christmas) >= 2 and christmas.all()
    lift = s.groupby([*KEYS, "feature"])["units"].mean().unstack()
    assert np.median(lift[1] / lift[0]) > 1.5


def test_promotions_cut_the_price_and_lift_demand() -> None:
    s = make_corpus("promo").sales
    assert ((s["price"] < s["base_price"]) == (s["promo"] == 1)).all()
    assert 0.05 < s["promo"].mean() < 0.25
    cut = 1 - s["price"] / s["base_price"]
    assert cut[s["promo"] == 1].between(0.09, 0.41).all()
    lift = s.groupby([*KEYS, "promo"])["units"].mean().unstack()
    assert np.median(lift[1] / lift[0]) > 1.8


def test_driver_moves_price_continuously_and_demand_against_it() -> None:
    s = make_corpus("driver").sales
    assert "promo" not in s.columns
    ratio = s["price"] / s["base_price"]
    assert ratio.nunique() > 100 and 0.05 < ratio.std() < 0.2
    assert (ratio > 1.05).mean() > 0.1 and (ratio < 0.95).mean() > 0.1
    corr = s.assign(lr=np.log(ratio), lu=np.log1p(s["units"])).groupby(KEYS)[["lr", "lu"]].corr()
    assert np.median(corr.xs("lr", level=2)["lu"]) < -0.3


def test_stockouts_censor_sales_at_the_stock() -> None:
    c = make_corpus("stockout")
    assert c.truth is not None
    full = c.truth.merge(c.sales, on=["date", *KEYS], how="left")
    units = full["units"].fillna(0)
    flag = full["stockout"].fillna(0)
    assert (units == np.minimum(full["demand"], full["stock"])).all()
    assert ((units == full["stock"]) == (flag == 1)).all()
    # every stock-out row is present in the sales frame
    assert full.loc[units == full["stock"], "units"].notna().all()
    assert 0.02 < flag.mean() < 0.3
    lost = 1 - units.sum() / full["demand"].sum()
    assert 0.02 < lost < 0.3
    # demand on stock-out days is higher than what was sold
    assert (full.loc[flag == 1, "demand"] >= units[flag == 1]).all()
    assert full.loc[flag == 1, "demand"].sum() > 1.2 * units[flag == 1].sum()


def test_mix_blends_every_regime_across_the_whole_range_of_levels() -> None:
    c = make_corpus("mix", n_series=390)
    regimes = {p.split("-")[0] for p in c.sales["product_id"]}
    assert regimes == set(REGIMES) - {"mix"}
    assert {"price", "base_price", "promo", "feature", "stockout"} <= set(c.sales.columns)
    means = series_means(c)
    assert means.min() < 0.3 and means.max() > 1e5
    assert c.truth is not None and c.truth["stock"].notna().any()
    # revenue per series spans far less than the units do
    rev = (c.sales["units"] * c.sales["price"]).groupby([c.sales[k] for k in KEYS]).mean()
    vol = c.sales.groupby(KEYS)["units"].mean()
    spread = np.log10(np.quantile(rev, 0.95) / np.quantile(rev, 0.05))
    assert spread < 0.6 * np.log10(np.quantile(vol, 0.95) / np.quantile(vol, 0.05))


@pytest.mark.parametrize(("regime", "scale"), [("trend", 1000.0), ("weekly_season", 0.1)])
def test_scale_multiplies_expected_demand(regime: str, scale: float) -> None:
    base = make_corpus(regime, n_series=200)
    scaled = make_corpus(regime, n_series=200, scale=scale)
    ratio = scaled.sales["units"].sum() / base.sales["units"].sum()
    assert ratio == pytest.approx(scale, rel=0.03)
    assert scaled.sales["units"].dtype.kind == "i"


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="regime"):
        make_corpus("bogus")
    with pytest.raises(ValueError, match="freq"):
        make_corpus("tiny", freq="M")
    with pytest.raises(ValueError, match="scale"):
        make_corpus("tiny", scale=0.0)
    with pytest.raises(ValueError, match="periods"):
        make_corpus("tiny", periods=3)
