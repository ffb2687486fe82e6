"""Reads that turn the database into the engine's frames."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from recommendations import data
from stores.models import DailySales, StockOut
from stores.services import MovementSpec, stock_apply
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_sales_frame_reads_the_promo_flag_as_0_or_1(alice) -> None:  # type: ignore[no-untyped-def]
    # On PostgreSQL the frame is read through COPY ... CSV, which writes booleans as "t"/"f";
    # read naively, "f" is a non-empty string and every day would look like a promotion.
    product = ProductFactory.create()
    day = dt.date(2026, 3, 2)
    for offset, promo in enumerate([True, False, False]):
        DailySales.objects.create(
            store=alice.store,
            product=product,
            date=day + dt.timedelta(days=offset),
            units=2,
            revenue=Decimal("7.00"),
            promo=promo,
        )
    frame = data.sales_frame(store_ids=[alice.store.pk], start=day, end=day + dt.timedelta(days=2))
    assert frame.sort_values("date")["promo"].tolist() == [1, 0, 0]
    assert frame["price"].tolist() == [3.5, 3.5, 3.5]


# --- stock-outs: censored days -----------------------------------------------------------------

D = dt.date(2026, 3, 1)  # before the US switch to daylight time (8 March)
SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")


def _local(zone: ZoneInfo, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=zone)


def _day(d: int) -> dt.date:
    return dt.date(2026, 3, d)


def _sold(store, product, day: int, units: int = 2) -> None:  # type: ignore[no-untyped-def]
    DailySales.objects.create(
        store=store,
        product=product,
        date=dt.date(2026, 3, day),
        units=units,
        revenue=Decimal(units) * product.retail_price,
    )


def _spell(store, product, start: dt.datetime, end: dt.datetime | None) -> None:  # type: ignore[no-untyped-def]
    StockOut.objects.create(store=store, product=product, started_at=start, ended_at=end)


@pytest.fixture
def chain():  # type: ignore[no-untyped-def]
    """A store in Hangzhou (UTC+8), one in New York (UTC-5), two lines each, sales 2-10 March."""
    east, west = StoreFactory.create(), StoreFactory.create(timezone="America/New_York")
    tea, gum = ProductFactory.create(retail_price=Decimal("4.00")), ProductFactory.create()
    for store in (east, west):
        for day in (2, 3, 5, 6, 7, 8, 9, 10):
            _sold(store, tea, day)
        _sold(store, gum, 2)
    return east, west, tea, gum


def _flags(frame, store, product) -> dict[dt.date, tuple[int, int]]:  # type: ignore[no-untyped-def]
    rows = frame[(frame["store_id"] == store.pk) & (frame["product_id"] == product.pk)]
    return {
        ts.date(): (int(units), int(flag))
        for ts, units, flag in zip(rows["date"], rows["units"], rows["stockout"], strict=True)
    }


def test_days_that_ended_out_of_stock_are_flagged_in_the_store_time_zone(chain) -> None:  # type: ignore[no-untyped-def]
    east, west, tea, gum = chain
    # Hangzhou: out from 14:00 on the 3rd to 08:00 on the 5th -> the 3rd and 4th ended out.
    _spell(east, tea, _local(SHANGHAI, 3, 14), _local(SHANGHAI, 5, 8))
    # Out at 23:30 on the 6th, back at 00:10 on the 7th: the 6th ended out, the 7th did not.
    _spell(east, tea, _local(SHANGHAI, 6, 23, 30), _local(SHANGHAI, 7, 0, 10))
    # Out for a few hours of the 8th only: no day ended out.
    _spell(east, tea, _local(SHANGHAI, 8, 10), _local(SHANGHAI, 8, 15))
    # New York: 22:00 on the 3rd to 21:00 on the 4th local, i.e. 03:00 on the 4th to 02:00 on
    # the 5th UTC: the 3rd ended out in New York (read in UTC or Shanghai it would be the 4th).
    _spell(west, tea, _local(NEW_YORK, 3, 22), _local(NEW_YORK, 4, 21))
    # Still out since noon on the 8th: every day to the window's end.
    _spell(west, gum, _local(NEW_YORK, 8, 12), None)

    day = _day
    frame = data.sales_frame(
        store_ids=[east.pk, west.pk], start=day(2), end=day(10), stockouts=True
    )
    assert _flags(frame, east, tea) == {
        day(2): (2, 0),
        day(3): (2, 1),  # sold 2, then ran out: censored
        day(4): (0, 1),  # no sale, out all day: a row of 0 units, censored
        day(5): (2, 0),
        day(6): (2, 1),
        day(7): (2, 0),
        day(8): (2, 0),
        day(9): (2, 0),
        day(10): (2, 0),
    }
    west_tea = _flags(frame, west, tea)
    assert [d for d, (_, flag) in west_tea.items() if flag] == [day(3)]
    assert day(4) not in west_tea  # no sale and not censored there: no row
    assert _flags(frame, west, gum) == {
        day(2): (2, 0),
        day(8): (0, 1),
        day(9): (0, 1),
        day(10): (0, 1),
    }
    censored_row = frame[(frame["store_id"] == east.pk) & (frame["date"] == pd.Timestamp(day(4)))]
    assert censored_row[["price", "base_price", "promo"]].values.tolist() == [[4.0, 4.0, 0]]
    # Without the option the frame is the plain sales (what assortment and shelf plans read).
    plain = data.sales_frame(store_ids=[east.pk], start=day(2), end=day(10))
    assert "stockout" not in plain.columns and len(plain) == 9


def test_spells_are_clipped_to_the_window_and_pairs_without_sales_get_no_rows(chain) -> None:  # type: ignore[no-untyped-def]
    east, _west, tea, _gum = chain
    _spell(east, tea, _local(SHANGHAI, 1, 9), _local(SHANGHAI, 3, 9))  # began before the window
    other = ProductFactory.create()  # never sold in the window: no series, no rows
    _spell(east, other, _local(SHANGHAI, 4, 9), None)
    days = data.stockout_days_frame(
        store_ids=[east.pk], start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 5)
    )
    assert sorted(zip(days["product_id"], days["date"].dt.date, strict=True)) == [
        (tea.pk, dt.date(2026, 3, 2)),
        *[(other.pk, dt.date(2026, 3, d)) for d in (4, 5)],
    ]
    frame = data.sales_frame(
        store_ids=[east.pk], start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 5), stockouts=True
    )
    assert other.pk not in set(frame["product_id"])
    assert frame["stockout"].sum() == 1


def test_the_ledger_spells_reach_the_forecaster_panel(chain, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """End to end: stock sold out through the ledger shows as censored days in the frame that
    `sales_panel` hands to the engine."""
    east, _west, tea, _gum = chain
    stock_apply(
        store=east,
        movements=[MovementSpec(tea.pk, "receipt", 2)],
        occurred_at=_local(SHANGHAI, 3, 8),
    )
    stock_apply(
        store=east,
        movements=[MovementSpec(tea.pk, "sale", -2)],
        occurred_at=_local(SHANGHAI, 3, 12),
    )
    stock_apply(
        store=east,
        movements=[MovementSpec(tea.pk, "receipt", 6)],
        occurred_at=_local(SHANGHAI, 5, 7),
    )
    seen: list[pd.DataFrame] = []
    real = data.build_panel

    def spy(sales, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(sales)
        return real(sales, **kwargs)

    monkeypatch.setattr(data, "build_panel", spy)
    panel = data.sales_panel(store_ids=[east.pk], end=dt.date(2026, 3, 10), days=9)
    assert panel is not None
    (frame,) = seen
    assert _flags(frame, east, tea)[dt.date(2026, 3, 3)] == (2, 1)
    assert _flags(frame, east, tea)[dt.date(2026, 3, 4)] == (0, 1)
    assert int(frame["stockout"].sum()) == 2
