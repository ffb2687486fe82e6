"""The Celery app. Tasks are named `lst.<app>.<task>`; the beat schedule lives in the database
(django-celery-beat) and is created by the `setup_schedule` management command. Workers sweep
for lost messages after a broker reconnect (lst/broker.py)."""

import os

from celery import Celery

from lst.broker import SweepOnReconnect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lst.settings")

app = Celery("lst")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["consumer"].add(SweepOnReconnect)

from lst import celery_signals  # noqa: E402, F401  (request ids, task metrics, logging)
