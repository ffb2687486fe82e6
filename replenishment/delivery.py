"""When an order will arrive: a pure function of the clock and the warehouse's schedule.

No Django here, so the rule can be tested by hand at the edges (cut-off, weekends, time zones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo


def promised_delivery_date(
    now_aware: dt.datetime,
    store_tz: str,
    cutoff_time: dt.time,
    lead_time_days: int,
    delivery_weekdays: Iterable[int],
) -> dt.date:
    """The store-local date an order placed at `now_aware` is promised for.

    The cut-off is read on the store's wall clock: an order placed strictly before `cutoff_time`
    counts as placed today, one at or after it as placed tomorrow. The goods can arrive
    `lead_time_days` calendar days after the day the order counts as placed, on the first day
    from then on whose weekday (0 = Monday .. 6 = Sunday) is in `delivery_weekdays`.

    Raises ValueError for a naive `now_aware`, an unknown time zone, a negative lead time or a
    schedule with no valid delivery weekday.
    """
    if now_aware.tzinfo is None or now_aware.utcoffset() is None:
        raise ValueError("now_aware must be an aware datetime")
    if lead_time_days < 0:
        raise ValueError("lead_time_days must be >= 0")
    weekdays = {int(d) for d in delivery_weekdays if 0 <= int(d) <= 6}
    if not weekdays:
        raise ValueError("the warehouse has no delivery weekday")
    local = now_aware.astimezone(ZoneInfo(store_tz))
    placed_on = local.date()
    if local.time().replace(tzinfo=None) >= cutoff_time:
        placed_on += dt.timedelta(days=1)
    day = placed_on + dt.timedelta(days=lead_time_days)
    while day.weekday() not in weekdays:
        day += dt.timedelta(days=1)
    return day
