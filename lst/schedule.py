"""The periodic jobs, as data. `manage.py setup_schedule` writes them into django-celery-beat's
tables (idempotently), so `celery beat` with the database scheduler runs them and operators can
see and pause them in the admin."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    every_seconds: int | None = None  # an interval instead of a crontab
    kwargs: dict[str, Any] = field(default_factory=dict)
    # One entry per store time zone, at that zone's wall-clock time, with kwargs["tz"] set.
    per_store_timezone: bool = False


#: Modules that contribute a `SCHEDULE: list[Periodic]`.
SOURCES = ("recommendations.schedule", "recommendations.schedule_weekly", "shoppers.schedule")


#: The project's own housekeeping (lst/tasks.py).
CORE_SCHEDULE = [
    Periodic(
        name="Drop expired refresh tokens",
        task="lst.core.flush_expired_tokens",
        minute="17",
        hour="4",
    ),
    # Every hour, so each run deletes about an hour of records.
    Periodic(
        name="Purge expired idempotency records",
        task="lst.core.purge_idempotency_records",
        minute="23",
    ),
]


def all_periodic() -> list[Periodic]:
    out: list[Periodic] = list(CORE_SCHEDULE)
    for name in SOURCES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        out.extend(getattr(module, "SCHEDULE", []))
    return out
