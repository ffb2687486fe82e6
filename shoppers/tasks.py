"""Celery tasks of the shopper app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="lst.shoppers.expire_orders", acks_late=True)
def expire_orders(limit: int = 500) -> int:
    """Expire orders not accepted in time and release their stock. Idempotent: each order is
    re-checked under its row lock, so overlapping runs expire it once."""
    from shoppers.services import orders_expire_due

    return orders_expire_due(limit=limit)
