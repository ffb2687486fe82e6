"""Periodic jobs of the nightly recommenders (see lst/schedule.py)."""

from lst.schedule import Periodic

SCHEDULE = [
    # At night in each store time zone, after the day's sales are in.
    Periodic(
        name="Nightly purchase suggestions",
        task="lst.recommendations.nightly_pipeline",
        minute="30",
        hour="2",
        per_store_timezone=True,
    ),
    Periodic(
        name="Resume stalled scoring chunks",
        task="lst.recommendations.resume_stalled_chunks",
        every_seconds=600,
    ),
]
