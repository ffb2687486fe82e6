"""Reads that turn the database into the engine's frames."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from recommendations import data
from stores.models import DailySales
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_sales_frame_reads_the_promo_flag_as_0_or_1(alice) -> None:  # type: ignore[no-untyped-def]
    # On PostgreSQL the frame is read through COPY ... CSV, which writes booleans as "t"/"f";
    # read naively, "f" is a non-empty string and every day would look like a promotion.
    product = ProductFactory.create()
    day = dt.date(2026, 3, 2)
    for offset, promo in enumerate([True, False, False]):
        DailySales.objects.create(
            store=alice.store,
            product=product,
            date=day + dt.timedelta(days=offset),
            units=2,
            revenue=Decimal("7.00"),
            promo=promo,
        )
    frame = data.sales_frame(store_ids=[alice.store.pk], start=day, end=day + dt.timedelta(days=2))
    assert frame.sort_values("date")["promo"].tolist() == [1, 0, 0]
    assert frame["price"].tolist() == [3.5, 3.5, 3.5]
