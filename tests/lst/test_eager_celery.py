"""The embedded default (no CELERY_BROKER_URL) runs tasks in-process without naming a broker:
no "No hostname was supplied" warning from kombu on every eager call (seen in `make run`)."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings

from lst.celery import app
from lst.tasks import purge_idempotency_records


@pytest.mark.smoke  # CI runs the smoke subset on the embedded default, where this applies
@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="the embedded default only")
@pytest.mark.django_db
def test_an_eager_task_names_no_broker_and_warns_nothing(caplog) -> None:  # type: ignore[no-untyped-def]
    assert app.conf.task_always_eager
    with caplog.at_level(logging.WARNING):
        purge_idempotency_records.delay()
    assert app.conf.broker_url == "memory://localhost/"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []
