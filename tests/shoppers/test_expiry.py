"""Orders not accepted in time expire and release their stock (task, command, service)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from shoppers.models import ShopperOrder
from shoppers.services import order_expire, orders_expire_due
from shoppers.tasks import expire_orders
from stores.models import StockLevel
from tests.shoppers.conftest import url
from tests.shoppers.helpers import place

pytestmark = pytest.mark.django_db


def _age(order: ShopperOrder, minutes: int) -> None:
    ShopperOrder.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_the_deadline_follows_the_setting(shop, stocked, sam, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHOPPER_ORDER_ACCEPT_MINUTES = 7
    order = place(sam, shop, (stocked(), 1))
    assert order.expires_at - order.placed_at == dt.timedelta(minutes=7)


def test_the_task_expires_late_orders_releases_stock_and_is_idempotent(
    shop, stocked, sam, alice
) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=5)
    late, fresh, accepted = (place(sam, shop, (tea, 1)) for _ in range(3))
    alice.client.post(
        url(f"stores/{shop.pk}/shopper-orders/{accepted.pk}/accept/"),
        {"estimated_at": "2099-01-01T10:00:00+08:00"},
    )
    _age(late, 1)
    _age(accepted, 1)
    assert expire_orders.delay().get() == 1
    assert expire_orders.delay().get() == 0
    statuses = dict(ShopperOrder.objects.values_list("pk", "status"))
    assert statuses == {late.pk: "expired", fresh.pk: "placed", accepted.pk: "accepted"}
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 2
    event = late.events.get(to_status="expired")
    assert (event.actor, event.data["released"]) == (None, {str(tea.pk): 1})
    assert order_expire(order=late) is False  # again: no change, no second release
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 2


def test_the_command_expires_in_batches(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    tea = stocked(on_hand=10)
    orders = [place(sam, shop, (tea, 1)) for _ in range(5)]
    for o in orders:
        _age(o, 2)
    out = StringIO()
    call_command("expire_shopper_orders", "--limit", "2", stdout=out)
    assert "expired 5 order(s)" in out.getvalue()
    assert StockLevel.objects.get(store=shop, product=tea).reserved == 0
    assert orders_expire_due() == 0


def test_accept_after_the_deadline_is_refused(shop, stocked, sam, alice) -> None:  # type: ignore[no-untyped-def]
    order = place(sam, shop, (stocked(), 1))
    _age(order, 1)
    r = alice.client.post(
        url(f"stores/{shop.pk}/shopper-orders/{order.pk}/accept/"),
        {"estimated_at": "2099-01-01T10:00:00+08:00"},
    )
    assert (r.status_code, r.data["code"]) == (409, "order_expired")
    assert ShopperOrder.objects.get(pk=order.pk).status == "placed"  # the job expires it


def test_every_scheduled_job_names_a_registered_task() -> None:
    from lst.celery import app
    from lst.schedule import all_periodic

    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    tasks = {job.task for job in all_periodic()}
    assert {"lst.shoppers.expire_orders", "lst.core.flush_expired_tokens"} <= tasks
    assert tasks <= set(app.tasks)
