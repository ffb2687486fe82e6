"""Beat entries of the weekly recommenders, for whoever registers the beat schedule.

Sunday night in each store time zone: shelf plans at 03:30 local, assortment at 04:30 local
(after the nightly purchase run of the same night). Each entry carries its zone: the task gets
`tz` and only plans that zone's stores; the model itself is trained at most once in
`weekly.RETRAIN_AFTER` (6 days), so the zones after the first reuse it.
"""

from __future__ import annotations

from typing import Any

#: name -> task, crontab fields (store-local), kwargs; one entry per time zone via `entries_for`.
WEEKLY_SCHEDULE: dict[str, dict[str, Any]] = {
    "weekly-shelf": {
        "task": "lst.recommendations.weekly_shelf",
        "crontab": {"minute": "30", "hour": "3", "day_of_week": "0"},
        "kwargs": {},
        "store_local": True,
    },
    "weekly-assortment": {
        "task": "lst.recommendations.weekly_assortment",
        "crontab": {"minute": "30", "hour": "4", "day_of_week": "0"},
        "kwargs": {},
        "store_local": True,
    },
}


def entries_for(timezones: list[str]) -> dict[str, dict[str, Any]]:
    """Concrete entries, one per entry and time zone: name `<entry>@<tz>`, crontab in that zone
    (django-celery-beat's CrontabSchedule has a `timezone` field), kwargs with `tz`."""
    out: dict[str, dict[str, Any]] = {}
    for name, entry in WEEKLY_SCHEDULE.items():
        for tz in timezones:
            out[f"{name}@{tz}"] = {
                "task": entry["task"],
                "crontab": {**entry["crontab"], "timezone": tz},
                "kwargs": {**entry["kwargs"], "tz": tz},
            }
    return out
