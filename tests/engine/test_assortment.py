"""Assortment engine: hard rules (never carried, never unavailable), cold start, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.assortment import (
    RESULT_COLUMNS,
    AssortmentParams,
    cold_start,
    fit_assortment,
    recommend,
)

PARAMS = AssortmentParams(neighbours=5, item_neighbours=10, svd_dims=4, random_state=0)


def _chain(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two kinds of store: "office" stores carry products 0-11, "home" stores 8-19, and a few
    of each kind miss one product of their kind. Weekly sales over 30 weeks."""
    rng = np.random.default_rng(seed)
    rows, stores = [], []
    for s in range(16):
        kind = "office" if s < 8 else "home"
        stores.append({"store_id": f"s{s}", "kind": kind, "area": 50 + 5 * s})
        own = range(0, 12) if kind == "office" else range(8, 20)
        missing = {3 + s % 4} if kind == "office" else {12 + s % 4}
        for p in own:
            if p in missing and s % 2 == 0:
                continue
            for w in range(30):
                units = int(rng.poisson(5 + p % 3))
                if units:
                    rows.append(
                        (
                            pd.Timestamp("2024-01-07") + pd.Timedelta(weeks=w),
                            f"s{s}",
                            f"p{p}",
                            units,
                        )
                    )
    sales = pd.DataFrame(rows, columns=["date", "store_id", "product_id", "units"])
    products = pd.DataFrame(
        {
            "product_id": [f"p{i}" for i in range(20)],
            "category": ["a" if i < 10 else "b" for i in range(20)],
        }
    )
    return sales, pd.DataFrame(stores), products


@pytest.fixture(scope="module")
def chain() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _chain()


@pytest.fixture(scope="module")
def model(chain):  # type: ignore[no-untyped-def]
    sales, stores, products = chain
    return fit_assortment(sales, stores, products, PARAMS)


def _carried(sales: pd.DataFrame) -> dict[str, set[str]]:
    recent = sales[sales["date"] > sales["date"].max() - pd.Timedelta(days=182)]
    return {s: set(g["product_id"]) for s, g in recent.groupby("store_id")}


def test_never_suggests_a_carried_product(chain, model) -> None:  # type: ignore[no-untyped-def]
    carried = _carried(chain[0])
    recs = recommend(model, k=20, drop_k=0)
    assert list(recs.columns) == list(RESULT_COLUMNS)
    assert not recs.empty
    for row in recs.itertuples():
        assert row.product_id not in carried[row.store_id]


def test_never_suggests_what_the_warehouse_cannot_supply(model) -> None:  # type: ignore[no-untyped-def]
    allowed = {"s0": ["p3", "p15", "p19"], "s8": ["p12"]}
    recs = recommend(model, ["s0", "s8", "s2"], k=10, allowed=allowed, drop_k=0)
    assert set(recs.loc[recs.store_id == "s0", "product_id"]) <= {"p3", "p15", "p19"}
    assert set(recs.loc[recs.store_id == "s8", "product_id"]) <= {"p12"}
    assert recs.loc[
        recs.store_id == "s2"
    ].empty  # not in the mapping: its warehouse supplies nothing
    global_set = recommend(model, k=10, allowed=["p1", "p13"], drop_k=0)
    assert set(global_set["product_id"]) <= {"p1", "p13"}


def test_known_range_is_never_suggested_even_without_sales(model) -> None:  # type: ignore[no-untyped-def]
    recs = recommend(model, ["s0"], k=20, carried={"s0": ["p3", "p16"]}, drop_k=0)
    assert not {"p3", "p16"} & set(recs["product_id"])


def test_the_missing_product_of_its_kind_comes_first(model) -> None:  # type: ignore[no-untyped-def]
    # s0 is an office store missing p3, which the other office stores carry.
    recs = recommend(model, ["s0"], k=3, drop_k=0)
    top = recs.iloc[0]
    assert top.product_id == "p3"
    assert top.action == "add"
    reason = top.reason
    assert reason["similar_stores"] == PARAMS.neighbours
    assert reason["carrying"] >= 3
    assert reason["median_weekly_units_there"] > 0
    assert top.expected_weekly_units > 1.0
    assert np.isnan(top.expected_weekly_profit)


def test_margins_give_expected_profit(model) -> None:  # type: ignore[no-untyped-def]
    recs = recommend(model, ["s0"], k=3, margins={"p3": 2.0}, drop_k=0)
    row = recs.set_index("product_id").loc["p3"]
    assert row.expected_weekly_profit == pytest.approx(2.0 * row.expected_weekly_units)


def test_cold_start_ranks_by_attribute_similar_stores(model) -> None:  # type: ignore[no-untyped-def]
    office = cold_start(model, {"store_id": "new", "kind": "office", "area": 60}, k=8)
    home = cold_start(model, {"store_id": "new", "kind": "home", "area": 110}, k=8)
    assert set(office["product_id"]) <= {f"p{i}" for i in range(12)}
    assert set(home["product_id"]) <= {f"p{i}" for i in range(8, 20)}
    assert (office["store_id"] == "new").all()
    assert list(office["rank"]) == list(range(1, 9))
    only = cold_start(model, {"kind": "home"}, k=5, allowed=["p0", "p19"])
    assert list(only["product_id"]) == ["p19", "p0"]


def test_drop_candidates_are_carried_products_that_stopped_selling() -> None:
    sales, stores, products = _chain()
    # s1 (office) sold p5 only long ago in the window, then nothing for the last 10 weeks.
    last = sales["date"].max()
    cut = (
        (sales.store_id == "s1")
        & (sales.product_id == "p5")
        & (sales.date > last - pd.Timedelta(weeks=25))
    )
    sales = pd.concat(
        [
            sales[~cut],
            pd.DataFrame(
                [
                    {
                        "date": last - pd.Timedelta(weeks=20),
                        "store_id": "s1",
                        "product_id": "p5",
                        "units": 1,
                    }
                ]
            ),
        ]
    )
    model = fit_assortment(sales, stores, products, PARAMS)
    recs = recommend(model, ["s1", "s3"], k=3, drop_k=5)
    drops = recs[recs.action == "drop"]
    assert list(drops["product_id"]) == ["p5"]
    assert (drops["store_id"] == "s1").all()
    reason = drops.iloc[0].reason
    assert reason["units_recent"] == 0
    assert reason["recent_weeks"] == PARAMS.recent_weeks
    assert reason["weekly_units_here"] < reason["median_weekly_units_there"]


def test_deterministic_for_a_seed(chain) -> None:  # type: ignore[no-untyped-def]
    sales, stores, products = chain
    a = recommend(fit_assortment(sales, stores, products, PARAMS), k=5)
    b = recommend(
        fit_assortment(sales.sample(frac=1.0, random_state=3), stores, products, PARAMS), k=5
    )
    pd.testing.assert_frame_equal(a, b)


def test_works_without_attributes_or_categories(chain) -> None:  # type: ignore[no-untyped-def]
    sales = chain[0]
    model = fit_assortment(sales, None, None, PARAMS)
    recs = recommend(model, ["s0"], k=3, drop_k=0)
    carried = _carried(sales)["s0"]
    assert not set(recs["product_id"]) & carried
    assert recs.iloc[0].product_id == "p3"
    assert len(cold_start(model, {"kind": "office"}, k=4)) == 4  # popularity fallback


def test_rejects_a_frame_without_the_schema_columns() -> None:
    with pytest.raises(ValueError, match="lacks columns"):
        fit_assortment(pd.DataFrame({"store_id": ["a"], "units": [1]}))


def test_blend_weights_come_from_validation(model) -> None:  # type: ignore[no-untyped-def]
    assert model.cf_config is not None
    assert set(model.blend_weights) <= {"classifier", "ease", "rp3beta", "store_knn", "popularity"}
    assert sum(model.blend_weights.values()) == pytest.approx(1.0)
    assert model.blend_validation  # every candidate weighting was scored
    chosen = ",".join(f"{k}={v:g}" for k, v in model.blend_weights.items())
    assert chosen in model.blend_validation


def test_with_margins_the_pool_is_ordered_by_expected_gross_profit(model) -> None:  # type: ignore[no-untyped-def]
    plain = recommend(model, ["s0"], k=3, drop_k=0)
    first, second = plain["product_id"].iloc[:2]
    margins = {first: 0.01, second: 1000.0}
    recs = recommend(model, ["s0"], k=3, margins=margins, drop_k=0)
    assert recs["product_id"].iloc[0] == second  # the high-margin product goes first
    profit = (recs["fit_probability"] * recs["expected_weekly_profit"].fillna(0)).to_numpy()
    assert (np.diff(profit) <= 1e-12).all()
    # The reason states the expected margin.
    assert recs.iloc[0].reason["margin_per_unit"] == pytest.approx(1000.0)
    assert recs.iloc[0].reason["expected_weekly_units"] == pytest.approx(
        round(recs.iloc[0].expected_weekly_units, 1)
    )


def test_collaborative_models_can_be_switched_off(chain) -> None:  # type: ignore[no-untyped-def]
    sales, stores, products = chain
    model = fit_assortment(
        sales, stores, products, AssortmentParams(**{**PARAMS.__dict__, "collaborative": False})
    )
    assert model.cf_config is None and model.blend_weights == {"classifier": 1.0}
    assert "ease" not in model.feature_names
    assert recommend(model, ["s0"], k=1, drop_k=0).iloc[0].product_id == "p3"


def test_a_large_catalogue_drops_the_item_knn_feature(chain) -> None:  # type: ignore[no-untyped-def]
    sales, stores, products = chain
    params = AssortmentParams(**{**PARAMS.__dict__, "item_knn_max_products": 10})
    assert params.item_neighbours_for(20) == 0 and PARAMS.item_neighbours_for(20) == 10
    model = fit_assortment(sales, stores, products, params)
    assert "item_knn" not in model.feature_names and "ease" in model.feature_names
    assert recommend(model, ["s0"], k=1, drop_k=0).iloc[0].product_id == "p3"
