"""Periodic jobs of the weekly recommenders (see lst/schedule.py).

Sunday night in each store time zone: shelf plans at 03:30 local, assortment at 04:30 local
(after the nightly purchase run of the same night). Each entry carries its zone: the task gets
`tz` and only plans that zone's stores; the model itself is trained at most once in the
recommender's `retrain_after` (6 days, `services/recommenders.py`), so the zones after the
first reuse it.
"""

from lst.schedule import Periodic

SCHEDULE = [
    Periodic(
        name="Weekly shelf plans",
        task="lst.recommendations.weekly_shelf",
        minute="30",
        hour="3",
        day_of_week="0",
        per_store_timezone=True,
    ),
    Periodic(
        name="Weekly assortment suggestions",
        task="lst.recommendations.weekly_assortment",
        minute="30",
        hour="4",
        day_of_week="0",
        per_store_timezone=True,
    ),
]
