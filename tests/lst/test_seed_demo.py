"""seed_demo: deterministic for a seed, and its data has the patterns it claims, measured from
the rows it writes."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import Sum

from lst.demo.calendar import SPRING_FESTIVAL
from lst.demo.generator import demo_products, simulate
from stores.models import DailySales, StockLevel, StockMovement, Store

pytestmark = pytest.mark.django_db

END = dt.date(2026, 3, 31)


def _seed(seed: int = 3, days: int = 120, stores: int = 6, products: int = 40) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        stores=stores,
        products=products,
        days=days,
        seed=seed,
        end_date=END,
        verbosity=0,
        stdout=out,
    )
    return out.getvalue()


def _fingerprint() -> list[tuple]:  # type: ignore[type-arg]
    return list(
        DailySales.objects.order_by("store__code", "product__sku", "date").values_list(
            "store__code", "product__sku", "date", "units", "revenue", "promo"
        )
    )


@pytest.mark.smoke
def test_seed_builds_a_chain_and_prints_the_logins() -> None:
    out = _seed()
    assert Store.objects.count() == 6
    assert Store.objects.filter(warehouse__isnull=True).count() == 0
    assert "owner001" in out and "admin" in out and "agent" in out
    assert DailySales.objects.filter(date__gt=END).count() == 0
    # Ledger and stock levels agree from day one.
    for level in StockLevel.objects.all()[:50]:
        total = (
            StockMovement.objects.filter(store=level.store, product=level.product).aggregate(
                s=Sum("quantity")
            )["s"]
            or 0
        )
        assert total == level.on_hand


def test_seed_is_deterministic_for_a_seed() -> None:
    """The generator is a pure function of the seed, and the database holds exactly its output."""
    dates = [END - dt.timedelta(days=29 - i) for i in range(30)]
    products = demo_products(20)
    a = simulate(stores=3, products=products, dates=dates, seed=3)
    b = simulate(stores=3, products=products, dates=dates, seed=3)
    c = simulate(stores=3, products=products, dates=dates, seed=4)
    assert np.array_equal(a.units, b.units) and np.array_equal(a.price, b.price)
    assert not np.array_equal(a.units, c.units)
    _seed(seed=3, days=30, stores=3, products=20)
    per_day = dict(DailySales.objects.values_list("date").annotate(u=Sum("units")))
    assert per_day == {
        d: int(a.units[:, :, i].sum()) for i, d in enumerate(dates) if a.units[:, :, i].sum()
    }
    assert DailySales.objects.count() == int((a.units > 0).sum())


def test_seed_refuses_a_database_that_has_stores_unless_if_empty() -> None:
    _seed(days=10, stores=2, products=10)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _seed(days=10, stores=2, products=10)
    out = io.StringIO()
    call_command("seed_demo", if_empty=True, stdout=out)
    assert "skipped" in out.getvalue()


def _units_by(field_filter: dict, key) -> dict:  # type: ignore[no-untyped-def,type-arg]
    rows = DailySales.objects.filter(**field_filter).values_list("date", "units")
    acc: dict = {}
    for d, u in rows:
        acc[key(d)] = acc.get(key(d), 0) + u
    return acc


def test_office_stores_sell_less_at_weekends_and_residential_more() -> None:
    _seed(seed=11, days=84, stores=16, products=40)
    for nb, expect_weekend_lower in (("office", True), ("residential", False)):
        if not Store.objects.filter(neighbourhood=nb).exists():
            continue
        by_dow = _units_by({"store__neighbourhood": nb}, lambda d: d.weekday())
        weekday = np.mean([by_dow[i] for i in range(5)])
        weekend = np.mean([by_dow[i] for i in (5, 6)])
        if expect_weekend_lower:
            assert weekend < 0.7 * weekday
        else:
            assert weekend > weekday


def test_spring_festival_run_up_lifts_frozen_dumpling_sales() -> None:
    _seed(seed=5, days=120, stores=8, products=74)
    sf = dt.date.fromisoformat(SPRING_FESTIVAL[2026])
    runup = (sf - dt.timedelta(days=10), sf - dt.timedelta(days=1))
    base = (sf - dt.timedelta(days=45), sf - dt.timedelta(days=25))
    frozen = {"product__category__code": "frozen"}

    def daily_mean(lo: dt.date, hi: dt.date) -> float:
        total = (
            DailySales.objects.filter(date__range=(lo, hi), **frozen).aggregate(s=Sum("units"))["s"]
            or 0
        )
        return total / ((hi - lo).days + 1)

    assert daily_mean(*runup) > 1.8 * daily_mean(*base)


def test_promotions_cut_the_price_and_lift_units() -> None:
    _seed(seed=8, days=120, stores=6, products=40)
    promo = DailySales.objects.filter(promo=True)
    normal = DailySales.objects.filter(promo=False)
    assert promo.exists()
    # Price paid per unit is lower on promotion days for the same product.
    sku = promo.values_list("product__sku", flat=True).first()

    def unit_price(qs) -> float:  # type: ignore[no-untyped-def]
        agg = qs.filter(product__sku=sku).aggregate(r=Sum("revenue"), u=Sum("units"))
        return float(agg["r"]) / agg["u"]

    assert unit_price(promo) < 0.92 * unit_price(normal)
