"""Periodic tasks of the shopper app, for the lead's beat setup to register
(django-celery-beat: `IntervalSchedule` every `every_seconds`, `PeriodicTask(name, task)`)."""

from __future__ import annotations

from typing import Any

PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    "shoppers: expire unaccepted orders": {
        "task": "lst.shoppers.expire_orders",
        "every_seconds": 60,  # an order is at most a minute late to expire
        "kwargs": {"limit": 500},
    },
}
