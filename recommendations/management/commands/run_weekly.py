"""python manage.py run_weekly [--shelf] [--assortment] [--force-train] [--stores ID ...]

Runs the weekly recommenders now (both when neither flag is given): in-process on the embedded
default, on the workers when a broker is configured.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lst.celery import app as celery_app
from recommendations.models import TrainingRun
from recommendations.tasks import weekly_assortment, weekly_shelf


class Command(BaseCommand):
    help = "Run the weekly recommenders now: shelf plans and/or assortment suggestions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shelf", action="store_true", help="Shelf plans.")
        parser.add_argument("--assortment", action="store_true", help="Assortment suggestions.")
        parser.add_argument(
            "--force-train", action="store_true", help="Train even if the active model is recent."
        )
        parser.add_argument("--stores", type=int, nargs="*", help="Only these store ids.")
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Skip a job that already succeeded in the last 6 days.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        both = not opts["shelf"] and not opts["assortment"]
        jobs = [
            (name, task)
            for name, task, wanted in (
                ("shelf", weekly_shelf, opts["shelf"] or both),
                ("assortment", weekly_assortment, opts["assortment"] or both),
            )
            if wanted
        ]
        for name, task in jobs:
            recent = TrainingRun.objects.filter(
                kind=name,
                status=TrainingRun.Status.SUCCEEDED,
                finished_at__gte=timezone.now() - dt.timedelta(days=6),
            )
            if opts["if_needed"] and recent.exists():
                self.stdout.write(f"Weekly {name}: done this week already; skipped.")
                continue
            kwargs = {"store_ids": opts["stores"], "force_train": opts["force_train"]}
            if not celery_app.conf.task_always_eager:
                result = task.delay(**kwargs)
                self.stdout.write(f"Weekly {name} queued on the broker (task {result.id}).")
                continue
            began = time.perf_counter()
            run_id = task(**kwargs)
            run = TrainingRun.objects.select_related("model_version").get(pk=run_id)
            v = run.model_version
            model = f"model {v.kind} v{v.version} ({v.status})" if v else "no model"
            style = self.style.SUCCESS if run.status == "succeeded" else self.style.WARNING
            self.stdout.write(
                style(
                    f"Weekly {name}: run #{run.pk} {run.status}, {run.stores_done}/"
                    f"{run.stores_total} stores, {model}, {time.perf_counter() - began:.1f} s"
                )
            )
            if run.error:
                self.stdout.write(self.style.WARNING(run.error.splitlines()[0]))
