"""The promised delivery date, by hand: cut-off, lead time, weekdays, time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from replenishment.delivery import promised_delivery_date

pytestmark = pytest.mark.smoke

SH = ZoneInfo("Asia/Shanghai")
CUTOFF = dt.time(18, 0)
MON_SAT = [0, 1, 2, 3, 4, 5]
MON_FRI = [0, 1, 2, 3, 4]


def at(y: int, m: int, d: int, hh: int, mm: int = 0, tz: ZoneInfo = SH) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


# 2026-03-02 is a Monday.
@pytest.mark.parametrize(
    ("now", "lead", "weekdays", "expected"),
    [
        (at(2026, 3, 2, 17, 59), 1, MON_SAT, dt.date(2026, 3, 3)),  # before cut-off: Tue
        (at(2026, 3, 2, 18, 0), 1, MON_SAT, dt.date(2026, 3, 4)),  # at cut-off counts as after
        (at(2026, 3, 2, 23, 30), 1, MON_SAT, dt.date(2026, 3, 4)),
        (at(2026, 3, 2, 0, 0), 0, MON_SAT, dt.date(2026, 3, 2)),  # same day when lead time 0
        (at(2026, 3, 6, 10, 0), 1, MON_SAT, dt.date(2026, 3, 7)),  # Fri -> Sat delivers
        (at(2026, 3, 6, 10, 0), 1, MON_FRI, dt.date(2026, 3, 9)),  # Fri -> Sat skipped -> Mon
        (at(2026, 3, 6, 19, 0), 1, MON_FRI, dt.date(2026, 3, 9)),  # Fri late -> Sun -> Mon
        (at(2026, 3, 5, 19, 0), 1, MON_FRI, dt.date(2026, 3, 9)),  # Thu late -> Sat -> Mon
        (at(2026, 3, 2, 9, 0), 3, [2], dt.date(2026, 3, 11)),  # Mon+3 = Thu -> next Wed
        (at(2026, 3, 2, 9, 0), 2, [2], dt.date(2026, 3, 4)),  # Mon+2 = Wed exactly
        (at(2026, 3, 7, 9, 0), 0, MON_FRI, dt.date(2026, 3, 9)),  # ordered on a Saturday
        (at(2026, 12, 31, 20, 0), 1, MON_SAT, dt.date(2027, 1, 2)),  # over the year end
    ],
)
def test_shanghai_store(
    now: dt.datetime, lead: int, weekdays: list[int], expected: dt.date
) -> None:
    assert promised_delivery_date(now, "Asia/Shanghai", CUTOFF, lead, weekdays) == expected


def test_cutoff_is_read_on_the_store_wall_clock_not_utc() -> None:
    # 09:30 UTC is 17:30 in Shanghai: before the cut-off.
    now = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert promised_delivery_date(now, "Asia/Shanghai", CUTOFF, 1, MON_SAT) == dt.date(2026, 3, 3)
    # 10:30 UTC is 18:30 in Shanghai: after cut-off.
    now = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    assert promised_delivery_date(now, "Asia/Shanghai", CUTOFF, 1, MON_SAT) == dt.date(2026, 3, 4)
    # The same instant for a store in Urumqi (UTC+6): 16:30, still before cut-off.
    assert promised_delivery_date(now, "Asia/Urumqi", CUTOFF, 1, MON_SAT) == dt.date(2026, 3, 3)


def test_local_date_differs_from_the_utc_date() -> None:
    # 17:00 UTC on Sunday is 01:00 on Monday in Shanghai: the order is placed on Monday.
    now = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
    assert promised_delivery_date(now, "Asia/Shanghai", CUTOFF, 1, MON_FRI) == dt.date(2026, 3, 3)
    # ...while a store in UTC places it on Sunday: Sun + 1 = Monday.
    assert promised_delivery_date(now, "UTC", CUTOFF, 1, MON_FRI) == dt.date(2026, 3, 2)


def test_daylight_saving_change_in_the_store_zone() -> None:
    # Berlin springs forward on 2026-03-29 (02:00 -> 03:00). 16:30 UTC the day before is 17:30
    # CET (before cut-off); 16:30 UTC on the day is 18:30 CEST (after).
    before = dt.datetime(2026, 3, 28, 16, 30, tzinfo=dt.UTC)
    on_day = dt.datetime(2026, 3, 29, 16, 30, tzinfo=dt.UTC)
    assert promised_delivery_date(before, "Europe/Berlin", CUTOFF, 1, MON_SAT) == dt.date(
        2026, 3, 30
    )
    assert promised_delivery_date(on_day, "Europe/Berlin", CUTOFF, 1, MON_SAT) == dt.date(
        2026, 3, 31
    )


@pytest.mark.parametrize(
    ("now", "lead", "weekdays"),
    [
        (dt.datetime(2026, 3, 2, 9, 0), 1, MON_SAT),  # naive
        (at(2026, 3, 2, 9, 0), -1, MON_SAT),
        (at(2026, 3, 2, 9, 0), 1, []),
        (at(2026, 3, 2, 9, 0), 1, [7, 9]),
    ],
)
def test_bad_inputs_raise_value_error(now: dt.datetime, lead: int, weekdays: list[int]) -> None:
    with pytest.raises(ValueError):
        promised_delivery_date(now, "Asia/Shanghai", CUTOFF, lead, weekdays)
