"""python manage.py run_pipeline [--if-needed] [--force-train] [--stores ID ...]

Runs the nightly recommender pipeline once: in-process on the embedded default, on the workers
when a broker is configured.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm

from lst.celery import app as celery_app
from recommendations import progress
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
            with TerminalProgress(self.stdout) as shown, progress.listening(shown):
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


class TerminalProgress:
    """Each step on its own line with the seconds since the start, and a bar while stores are
    scored: the run's progress as `recommendations.progress` reports it."""

    def __init__(self, out: Any) -> None:
        self.out: TextIO = out
        self.began = time.monotonic()
        self.step = ""
        self.bar: Any = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.step:
            self.step = step
            if self.bar is not None:
                self.bar.close()
                self.bar = None
            self.out.write(f"  [{time.monotonic() - self.began:5.0f}s] {step}")
        if total:
            if self.bar is None:
                # tqdm redraws one line: the raw stream, not Django's wrapper (it adds newlines).
                stream = getattr(self.out, "_out", self.out)
                self.bar = tqdm(total=total, desc="  stores", unit=" chunk", file=stream)
            self.bar.n = done
            self.bar.refresh()
