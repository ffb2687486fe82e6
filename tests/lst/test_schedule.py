from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_setup_schedule_registers_nightly_jobs_per_store_time_zone_idempotently() -> None:
    StoreFactory(timezone="Asia/Shanghai")
    StoreFactory(timezone="Asia/Urumqi")
    call_command("setup_schedule", stdout=io.StringIO())
    call_command("setup_schedule", stdout=io.StringIO())
    nightly = PeriodicTask.objects.filter(task="lst.recommendations.nightly_pipeline")
    assert sorted(json.loads(t.kwargs)["tz"] for t in nightly) == ["Asia/Shanghai", "Asia/Urumqi"]
    urumqi = nightly.get(name__endswith="[Asia/Urumqi]")
    assert (urumqi.crontab.hour, urumqi.crontab.minute, str(urumqi.crontab.timezone)) == (
        "2",
        "30",
        "Asia/Urumqi",
    )
    assert (
        PeriodicTask.objects.filter(
            task="lst.recommendations.resume_stalled_chunks", interval__every=600
        ).count()
        == 1
    )
