"""Periodic jobs of the shopper app (see lst/schedule.py)."""

from lst.schedule import Periodic

SCHEDULE = [
    # An unaccepted order is at most a minute late to expire and release its stock.
    Periodic(
        name="Expire unaccepted shopper orders",
        task="lst.shoppers.expire_orders",
        every_seconds=60,
        kwargs={"limit": 500},
    ),
]
