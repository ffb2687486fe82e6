"""The Celery app. Tasks are named `lst.<app>.<task>`; the beat schedule lives in the database
(django-celery-beat) and is created by the `setup_schedule` management command. Workers sweep
for lost messages after a broker reconnect (lst/broker.py)."""

import os

from celery import Celery

from lst.broker import SweepOnReconnect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lst.settings")

app = Celery("lst")
app.config_from_object("django.conf:settings", namespace="CELERY")
if not app.conf.broker_url:
    # The embedded default runs tasks eagerly in-process. Celery still builds a producer for
    # an eager call; with no URL kombu would name amqp://localhost and warn that no hostname
    # was supplied. The in-memory transport (named with a host, so kombu stays quiet) is what
    # "no broker" means here.
    app.conf.broker_url = "memory://localhost/"
app.autodiscover_tasks()
app.steps["consumer"].add(SweepOnReconnect)

from lst import celery_signals  # noqa: E402, F401  (request ids, task metrics, logging)
