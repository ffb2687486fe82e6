"""Opening hours: `{"mon": ["07:00-23:00"], ..., "sun": ["08:00-12:00", "14:00-22:00"]}`.

A missing day is closed. An interval may run past midnight ("22:00-02:00"); "24:00" ends a day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _

from lst.errors import ValidationFailed

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 4
_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")


def opening_hours_validate(value: Any, *, field: str = "opening_hours") -> dict[str, list[str]]:
    """Return the hours normalised (days in week order) or raise ValidationFailed with
    per-entry errors keyed like `opening_hours.mon[1]`."""
    if not isinstance(value, dict):
        raise ValidationFailed(
            _("Opening hours must be an object keyed by weekday."),
            fields={field: [_('Expected an object like {"mon": ["07:00-23:00"]}.')]},
        )
    errors: dict[str, list[str]] = {}
    for day in value:
        if day not in DAYS:
            errors[f"{field}.{day}"] = [
                _("Unknown weekday; use one of %(days)s.") % {"days": ", ".join(DAYS)}
            ]
    clean: dict[str, list[str]] = {}
    for day in DAYS:
        if day not in value:
            continue
        intervals = value[day]
        if not isinstance(intervals, list) or len(intervals) > MAX_INTERVALS_PER_DAY:
            errors[f"{field}.{day}"] = [
                _("Expected a list of at most %(n)d intervals.") % {"n": MAX_INTERVALS_PER_DAY}
            ]
            continue
        for i, interval in enumerate(intervals):
            match = _INTERVAL.match(interval) if isinstance(interval, str) else None
            if match is None or (match[3] == "24" and match[4] != "00"):
                errors[f"{field}.{day}[{i}]"] = [_('Expected "HH:MM-HH:MM", e.g. "07:00-23:00".')]
            elif interval[:5] == interval[6:]:
                errors[f"{field}.{day}[{i}]"] = [_("An interval cannot start and end at once.")]
        clean[day] = list(intervals)
    if errors:
        raise ValidationFailed(_("Invalid opening hours."), fields=errors)
    return clean


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


def _spans(hours: dict[str, list[str]], day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The opening spans that start on `day` (naive local times), one past midnight included."""
    out = []
    midnight = dt.datetime.combine(day, dt.time())
    for interval in hours.get(DAYS[day.weekday()], []):
        start, end = _minutes(interval[:5]), _minutes(interval[6:])
        if end <= start:  # "22:00-02:00" ends the next day
            end += 24 * 60
        out.append((midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)))
    return out


def is_open(hours: dict[str, list[str]], local: dt.datetime) -> bool:
    """Whether the hours have the store open at `local` (its wall-clock time). Hours never set
    (`{}`) mean "not told": open, so a store that has not entered them can still sell online."""
    if not hours:
        return True
    at = local.replace(tzinfo=None)
    for day in (at.date() - dt.timedelta(days=1), at.date()):
        if any(start <= at < end for start, end in _spans(hours, day)):
            return True
    return False


def next_opening(hours: dict[str, list[str]], local: dt.datetime) -> dt.datetime | None:
    """The next time (after `local`, in the same timezone) the store opens; None if it never
    does (hours set, every day closed)."""
    at = local.replace(tzinfo=None)
    for offset in range(8):
        for start, _end in _spans(hours, at.date() + dt.timedelta(days=offset)):
            if start > at:
                return start.replace(tzinfo=local.tzinfo)
    return None


def in_week_order(hours: Any) -> Any:
    """The hours with the days from Monday to Sunday (PostgreSQL's jsonb keeps keys in its own
    order), for answers; anything that is not a dict of days is returned as it is."""
    if not isinstance(hours, dict):
        return hours
    known = {day: hours[day] for day in DAYS if day in hours}
    return {**known, **{k: v for k, v in hours.items() if k not in known}}
