"""seed_demo: deterministic for a seed, and its data has the patterns it claims, measured from
the rows it writes."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import Sum

from catalog.models import Product
from lst.demo.calendar import SPRING_FESTIVAL
from lst.demo.generator import DemoDemand, demo_products, simulate
from lst.demo.seed import delivery_plan
from lst.demo.stock import DemoStock, simulate_stock
from recommendations import data
from stores.models import DailySales, StockLevel, StockMovement, StockOut, Store

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


def _replay(seed: int, days: int, stores: int, products: int) -> tuple[DemoDemand, DemoStock]:
    """The generator's output for a chain just seeded (the delivery plan is the stores')."""
    dates = [END - dt.timedelta(days=days - 1 - i) for i in range(days)]
    catalog = demo_products(products)
    demand = simulate(stores=stores, products=catalog, dates=dates, seed=seed)
    db_stores = list(Store.objects.select_related("warehouse").order_by("code"))
    stock = simulate_stock(
        demand,
        plan=delivery_plan(db_stores),
        case_pack=np.array([p.case_pack for p in catalog]),
        seed=seed,
    )
    return demand, stock


def test_seed_is_deterministic_for_a_seed() -> None:
    """The generator is a pure function of the seed, and the database holds exactly its output:
    the units the shelves let through."""
    dates = [END - dt.timedelta(days=29 - i) for i in range(30)]
    products = demo_products(20)
    a = simulate(stores=3, products=products, dates=dates, seed=3)
    b = simulate(stores=3, products=products, dates=dates, seed=3)
    c = simulate(stores=3, products=products, dates=dates, seed=4)
    assert np.array_equal(a.units, b.units) and np.array_equal(a.price, b.price)
    assert not np.array_equal(a.units, c.units)
    _seed(seed=3, days=30, stores=3, products=20)
    demand, stock = _replay(3, 30, 3, 20)
    assert np.array_equal(demand.units, a.units)
    again = _replay(3, 30, 3, 20)[1]
    assert np.array_equal(stock.sold, again.sold) and stock.spells.equals(again.spells)
    per_day = dict(DailySales.objects.values_list("date").annotate(u=Sum("units")))
    assert per_day == {
        d: int(stock.sold[:, :, i].sum()) for i, d in enumerate(dates) if stock.sold[:, :, i].sum()
    }
    assert DailySales.objects.count() == int((stock.sold > 0).sum())


def test_seed_simulates_stock_outs_that_cut_sales_and_are_recorded() -> None:
    seed, days, stores, products = 5, 90, 5, 40
    _seed(seed=seed, days=days, stores=stores, products=products)
    demand, stock = _replay(seed, days, stores, products)
    # Shelves run dry now and then: a few percent of the carried line-days end out of stock,
    # and the demand on those days is only partly sold.
    carried_days = demand.carried.sum() * days
    share = stock.ended_out.sum() / carried_days
    assert 0.005 < share < 0.10, share
    assert (stock.sold <= demand.units).all()
    lost = demand.units.sum() - stock.sold.sum()
    assert 0 < lost < 0.15 * demand.units.sum()
    assert (stock.sold[stock.ended_out] < demand.units[stock.ended_out]).mean() > 0.3
    # Some lines stay out for more than a day (a missed order, a misjudged line).
    assert (stock.ended_out[:, :, 1:] & stock.ended_out[:, :, :-1]).any()

    # The database has the spells, one open exactly for each line at zero today.
    spells = StockOut.objects.all()
    assert spells.count() == len(stock.spells) > 0
    open_lines = set(spells.filter(ended_at__isnull=True).values_list("store_id", "product_id"))
    assert open_lines == set(
        StockLevel.objects.filter(on_hand=0).values_list("store_id", "product_id")
    )
    # ... and the forecaster's frame flags exactly the simulated days that ended out.
    frame = data.sales_frame(
        store_ids=None, start=END - dt.timedelta(days=days - 1), end=END, stockouts=True
    )
    codes = dict(Store.objects.values_list("pk", "code"))
    skus = dict(Product.objects.values_list("pk", "sku"))
    flagged = frame[frame["stockout"] == 1]
    got = {
        (int(codes[s][2:]) - 1, int(skus[p][3:]) - 1, (END - d.date()).days)
        for s, p, d in zip(flagged["store_id"], flagged["product_id"], flagged["date"], strict=True)
    }
    s_i, p_i, d_i = np.nonzero(stock.ended_out & (stock.sold.sum(axis=2) > 0)[:, :, None])
    assert got == {(s, p, days - 1 - d) for s, p, d in zip(s_i, p_i, d_i, strict=True)}


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


def test_every_demo_role_can_sign_in_and_do_its_job(settings) -> None:  # type: ignore[no-untyped-def]
    """The printed logins work: a warehouse system sees its orders, the shopper can quote a
    basket at hz0001 (which takes online orders), and the table's columns line up."""
    from rest_framework.test import APIClient

    from lst.demo.seed import DEMO_PASSWORD
    from lst.management.commands.seed_demo import display_width

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = _seed(stores=8)
    online = list(Store.objects.filter(accepts_online_orders=True).values_list("code", flat=True))
    assert online == ["hz0001", "hz0005"]  # one in four
    table = [line for line in out.splitlines() if line.startswith("  ")]
    users = {line.split()[-2] for line in table[1:]}
    assert {"warehouse1", "shopper", "owner001", "agent", "admin"} <= users
    # Columns line up in a terminal: each row's user column starts at the same display column.
    starts = {display_width(line[: line.rindex(" " + line.split()[-2] + " ")]) for line in table}
    assert len(starts) == 1, table

    def login(name: str) -> APIClient:
        client = APIClient()
        r = client.post(
            "/api/v1/auth/token/", {"login": name, "password": DEMO_PASSWORD}, format="json"
        )
        assert r.status_code == 200, (name, r.content)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {r.json()['access']}")
        return client

    assert login("warehouse1").get("/api/v1/warehouse/orders/").status_code == 200
    shopper = login("13600000001")  # the shopper signs in with the phone number
    store = Store.objects.get(code="hz0001")
    level = StockLevel.objects.filter(store=store, on_hand__gt=0).first()
    assert level is not None
    product = level.product
    r = shopper.post(
        "/api/v1/shopper/quote/",
        {
            "store": store.pk,
            "fulfilment": "pickup",
            "lines": [{"product": product.pk, "quantity": 1}],
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["lines"][0]["unit_price"] == str(product.retail_price)
