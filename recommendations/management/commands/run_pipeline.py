"""python manage.py run_pipeline [--if-needed] [--force-train] [--stores ID ...]

Runs the nightly recommender pipeline once: in-process on the embedded default, on the workers
when a broker is configured.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lst.celery import app as celery_app
from recommendations.models import PurchaseSuggestion, TrainingRun
from recommendations.tasks import nightly_pipeline


class Command(BaseCommand):
    help = "Run the nightly recommender pipeline once (train, backtest, score every store)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-needed", action="store_true", help="Skip when a run already succeeded today."
        )
        parser.add_argument(
            "--force-train", action="store_true", help="Train even if the active model is recent."
        )
        parser.add_argument("--stores", type=int, nargs="*", help="Only these store ids.")

    def handle(self, *args: Any, **opts: Any) -> None:
        today = timezone.localdate()
        if opts["if_needed"] and (
            TrainingRun.objects.filter(
                status=TrainingRun.Status.SUCCEEDED, finished_at__date=today
            ).exists()
            or PurchaseSuggestion.objects.filter(for_date=today).exists()
        ):
            self.stdout.write("Today's suggestions exist already; pipeline skipped.")
            return
        if celery_app.conf.task_always_eager:
            self.stdout.write("Running the recommender pipeline in-process (no broker set)...")
            run_id = nightly_pipeline(store_ids=opts["stores"], force_train=opts["force_train"])
            run = TrainingRun.objects.select_related("model_version").get(pk=run_id)
            version = run.model_version
            self.stdout.write(
                self.style.SUCCESS(
                    f"Run #{run.pk} {run.status}: {run.stores_done}/{run.stores_total} stores scored, "
                    f"model {version.kind} v{version.version} ({version.status})"
                    if version
                    else f"Run #{run.pk} {run.status}: no model"
                )
            )
            if run.timings:
                self.stdout.write(
                    "Timings (s): " + ", ".join(f"{k} {v}" for k, v in run.timings.items())
                )
            if run.error:
                self.stdout.write(self.style.WARNING(run.error.splitlines()[0]))
        else:
            result = nightly_pipeline.delay(
                store_ids=opts["stores"], force_train=opts["force_train"]
            )
            self.stdout.write(
                f"Pipeline queued on the broker (task {result.id}); "
                "follow it in the admin under Training runs."
            )
