"""python manage.py setup_schedule — write the periodic jobs into django-celery-beat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from lst.schedule import all_periodic
from stores.models import Store


class Command(BaseCommand):
    help = "Create or update the Celery beat schedule (nightly and weekly jobs, sweepers)."

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        zones = sorted(set(Store.objects.values_list("timezone", flat=True))) or [
            settings.TIME_ZONE
        ]
        names = []
        for job in all_periodic():
            targets: Sequence[str | None] = zones if job.per_store_timezone else (None,)
            for tz in targets:
                name = f"{job.name} [{tz}]" if tz else job.name
                kwargs = {**job.kwargs, **({"tz": tz} if tz else {})}
                defaults: dict[str, Any] = {
                    "task": job.task,
                    "kwargs": json.dumps(kwargs),
                    "enabled": True,
                }
                if job.every_seconds:
                    interval, _ = IntervalSchedule.objects.get_or_create(
                        every=job.every_seconds, period=IntervalSchedule.SECONDS
                    )
                    defaults.update(interval=interval, crontab=None)
                else:
                    crontab, _ = CrontabSchedule.objects.get_or_create(
                        minute=job.minute,
                        hour=job.hour,
                        day_of_week=job.day_of_week,
                        day_of_month="*",
                        month_of_year="*",
                        timezone=tz or settings.TIME_ZONE,
                    )
                    defaults.update(crontab=crontab, interval=None)
                PeriodicTask.objects.update_or_create(name=name, defaults=defaults)
                names.append(name)
        self.stdout.write(f"Beat schedule: {len(names)} periodic tasks ({', '.join(names)}).")
