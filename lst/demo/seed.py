"""Builds the demo chain in the database from the synthetic demand (bulk writes only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

import numpy as np
import pandas as pd
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from catalog.barcodes import ean13_check_digit
from catalog.models import Category, Product
from catalog.pinyin import pinyin_keys
from lst import notes
from lst.bulk import bulk_insert_frame
from lst.models import User
from replenishment.models import Warehouse, WarehouseAccount, WarehouseStock
from shoppers.models import ShopperProfile
from stores.admin_roles import field_agent_group
from stores.localtime import zone_named
from stores.models import (
    DailySales,
    Fixture,
    StockLevel,
    StockMovement,
    StockOut,
    Store,
    StoreMembership,
    Territory,
)

from .catalog_data import CATEGORIES
from .generator import NEIGHBOURHOODS, DemoDemand, demo_products, simulate
from .stock import DeliveryPlan, DemoStock, simulate_stock

CITY = "杭州"
DISTRICTS = (  # name, code, centre latitude, centre longitude
    ("西湖区", "xihu", 30.2590, 120.1300),
    ("上城区", "shangcheng", 30.2420, 120.1710),
    ("拱墅区", "gongshu", 30.3190, 120.1420),
    ("滨江区", "binjiang", 30.2080, 120.2110),
    ("萧山区", "xiaoshan", 30.1840, 120.2640),
)
WAREHOUSES = (  # code, name, latitude, longitude, lead days, cut-off, weekdays, min order value
    ("hz-north", "杭州城北仓", 30.3400, 120.1200, 1, dt.time(18, 0), [0, 1, 2, 3, 4, 5], "300"),
    ("hz-east", "杭州城东仓", 30.2700, 120.2300, 1, dt.time(17, 0), [0, 2, 4], "500"),
    ("hz-south", "萧山仓", 30.1700, 120.2700, 2, dt.time(16, 0), [1, 3, 5], "400"),
)
STREETS = (
    "文三路",
    "教工路",
    "学院路",
    "天目山路",
    "莫干山路",
    "湖墅南路",
    "延安路",
    "解放路",
    "庆春路",
    "江南大道",
    "滨盛路",
    "市心路",
    "金城路",
    "古墩路",
    "西溪路",
    "凤起路",
    "建国路",
    "秋涛路",
    "丰潭路",
    "紫荆花路",
)
SHOP_WORDS = ("邻里", "好又多", "便民", "快客", "惠民", "佳佳", "优选", "乐购", "小康", "万家")
NB_NAMES = {
    "residential": "社区店",
    "office": "写字楼店",
    "school": "校园店",
    "transit": "地铁站店",
    "rural": "镇上店",
}
DEMO_PASSWORD = "lst-demo-2026"  # noqa: S105 - printed demo login, never in production
ADMIN_PASSWORD = "lst-admin-2026"  # noqa: S105 - printed demo login
DEMO_SHOPPER_PHONE = "+8613600000001"
ONLINE_EVERY = 4  # every 4th demo store takes online orders


@dataclass
class SeedReport:
    stores: int = 0
    products: int = 0
    sales_rows: int = 0
    stockouts: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _ean13(n: int) -> str:
    first12 = f"6923{n:08d}"
    return first12 + str(ean13_check_digit(first12))


def _money(x: float) -> Decimal:
    return Decimal(str(round(x, 2))).quantize(Decimal("0.01"))


@transaction.atomic
def seed_demo(
    *,
    stores: int,
    products: int,
    days: int,
    seed: int,
    end_date: dt.date,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> SeedReport:
    """Create the whole demo chain. `progress(label, total)` returns an `advance(n)` callback."""
    rng = np.random.default_rng(seed + 1)
    now = timezone.now()
    report = SeedReport()
    catalog = demo_products(products)
    dates = [end_date - dt.timedelta(days=days - 1 - i) for i in range(days)]
    demand = simulate(stores=stores, products=catalog, dates=dates, seed=seed)

    warehouses = [
        Warehouse.objects.create(
            code=c,
            name=n,
            address=f"{CITY}{n}",
            latitude=_money(lat).quantize(Decimal("1.000000")),
            longitude=Decimal(str(lon)),
            lead_time_days=lead,
            cutoff_time=cut,
            delivery_weekdays=wd,
            min_order_value=Decimal(mov),
        )
        for c, n, lat, lon, lead, cut, wd, mov in WAREHOUSES
    ]

    # Territories and field agents.
    password = make_password(DEMO_PASSWORD)
    region = Territory.objects.create(code="east-china", name="华东大区", kind="region")
    city = Territory.objects.create(code="hangzhou", name=CITY, kind="city", parent=region)
    districts = [
        Territory.objects.create(code=f"hz-{code}", name=name, kind="district", parent=city)
        for name, code, _lat, _lon in DISTRICTS
    ]
    agent_west = User.objects.create(
        username="agent",
        first_name="王",
        last_name="小明",
        phone="13900000001",
        password=password,
        is_staff=True,
    )
    agent_east = User.objects.create(
        username="agent2",
        first_name="李",
        last_name="娜",
        phone="13900000002",
        password=password,
        is_staff=True,
    )
    manager = User.objects.create(
        username="manager",
        first_name="陈",
        last_name="经理",
        phone="13900000003",
        password=password,
        is_staff=True,
    )
    for t in districts[:2]:
        t.field_agents.add(agent_west)
    for t in districts[2:]:
        t.field_agents.add(agent_east)
    region.field_agents.add(manager)
    field_agent_group().user_set.add(agent_west, agent_east, manager)  # admin permissions

    # Catalog.
    categories = [
        Category.objects.create(code=c.code, name=c.name, name_en=c.name_en) for c in CATEGORIES
    ]
    product_rows = []
    for p in catalog:
        cat = CATEGORIES[p.category]
        price = _money(p.price)
        product_rows.append(
            Product(
                sku=f"LST{p.index + 1:05d}",
                barcode=_ean13(p.index + 1),
                name=p.name,
                search_pinyin=pinyin_keys(p.name),  # bulk_create skips Product.save
                name_en=p.name_en,
                brand=p.brand,
                category=categories[p.category],
                case_pack=p.case_pack,
                unit_cost=_money(p.price * (1 - cat.margin)),
                retail_price=price,
                shelf_life_days=p.shelf_life_days,
                width_cm=Decimal(str(p.width_cm)),
                requires_chilling=cat.chilled,
            )
        )
    db_products = Product.objects.bulk_create(product_rows)
    report.products = len(db_products)

    # Stores, owners, fixtures.
    owners, store_rows = [], []
    for s in range(stores):
        d_idx = int(rng.integers(len(DISTRICTS)))
        d_name, _code, lat0, lon0 = DISTRICTS[d_idx]
        lat, lon = lat0 + rng.normal(0, 0.015), lon0 + rng.normal(0, 0.015)
        nb = NEIGHBOURHOODS[demand.neighbourhood[s]]
        wh = min(
            warehouses,
            # Every demo warehouse is created with coordinates (above): never None here.
            key=lambda w: (
                (float(cast(Decimal, w.latitude)) - lat) ** 2
                + (float(cast(Decimal, w.longitude)) - lon) ** 2
            ),
        )
        street = STREETS[int(rng.integers(len(STREETS)))]
        store_rows.append(
            Store(
                code=f"hz{s + 1:04d}",
                name=f"{SHOP_WORDS[s % len(SHOP_WORDS)]}便利店 {street}{NB_NAMES[nb]}",
                address=f"{CITY}{d_name}{street}{int(rng.integers(1, 400))}号",
                city=CITY,
                district=d_name,
                latitude=Decimal(f"{lat:.6f}"),
                longitude=Decimal(f"{lon:.6f}"),
                neighbourhood=nb,
                floor_area_m2=int(40 + 80 * demand.store_scale[s]),
                opening_hours={
                    k: ["00:00-24:00"] if nb == "transit" else ["07:00-23:00"]
                    for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                status=Store.Status.ACTIVE,
                warehouse=wh,
                territory=districts[d_idx],
                # One store in four (hz0001 among them) takes shoppers' online orders.
                accepts_online_orders=s % ONLINE_EVERY == 0,
                delivery_radius_km=Decimal("3.00") if s % ONLINE_EVERY == 0 else Decimal("0"),
                delivery_fee=Decimal("4.00") if s % ONLINE_EVERY == 0 else Decimal("0"),
                min_basket_value=Decimal("20.00") if s % ONLINE_EVERY == 0 else Decimal("0"),
            )
        )
        owners.append(
            User(
                username=f"owner{s + 1:03d}",
                phone=f"1370000{s + 1:04d}",
                first_name="店主",
                last_name=f"{s + 1:03d}",
                password=password,
            )
        )
    db_stores = Store.objects.bulk_create(store_rows)
    db_owners = User.objects.bulk_create(owners)
    StoreMembership.objects.bulk_create(
        StoreMembership(user=u, store=st, role=StoreMembership.Role.OWNER)
        for u, st in zip(db_owners, db_stores, strict=True)
    )
    report.stores = len(db_stores)
    fixtures = []
    for st in db_stores:
        n_shelves = 3 + int(st.floor_area_m2 or 60) // 60
        fixtures += [
            Fixture(
                store=st,
                name=f"货架{i + 1}",
                kind="shelf",
                width_cm=120,
                depth_cm=40,
                levels=5,
                eye_level=4,
            )
            for i in range(n_shelves)
        ]
        fixtures += [
            Fixture(
                store=st,
                name="冷柜1",
                kind="cooler",
                width_cm=90,
                depth_cm=50,
                levels=5,
                eye_level=3,
            ),
            Fixture(
                store=st,
                name="冷柜2",
                kind="cooler",
                width_cm=90,
                depth_cm=50,
                levels=5,
                eye_level=3,
            ),
            Fixture(
                store=st,
                name="收银台",
                kind="counter",
                width_cm=60,
                depth_cm=30,
                levels=2,
                eye_level=2,
            ),
            Fixture(
                store=st,
                name="端架",
                kind="end_cap",
                width_cm=90,
                depth_cm=40,
                levels=4,
                eye_level=3,
            ),
        ]
    Fixture.objects.bulk_create(fixtures)

    stock = simulate_stock(
        demand,
        plan=delivery_plan(db_stores),
        case_pack=np.array([p.case_pack for p in catalog]),
        seed=seed,
    )
    report.sales_rows = _write_sales(demand, stock, db_stores, db_products, now, progress)
    report.stockouts = _write_stock(demand, stock, db_stores, db_products, now)
    WarehouseStock.objects.bulk_create(
        WarehouseStock(
            warehouse=w,
            product=p,
            on_hand=int(rng.integers(20, 200)) * p.case_pack,
            reserved=0,
            unit_cost=p.unit_cost,
        )
        for w in warehouses
        for p in db_products
    )

    # A warehouse system's login per warehouse (the WMS side of replenishment orders):
    # warehouse1 serves hz0001.
    first = db_stores[0].warehouse_id
    for k, w in enumerate(sorted(warehouses, key=lambda w: (w.pk != first, w.pk)), start=1):
        account = User.objects.create(
            username=f"warehouse{k}", first_name=w.name, password=password
        )
        WarehouseAccount.objects.create(user=account, warehouse=w)
    # A shopper who can order from the stores that take online orders.
    shopper = User.objects.create(
        username="shopper", phone=DEMO_SHOPPER_PHONE, first_name="顾客", password=password
    )
    ShopperProfile.objects.create(user=shopper, display_name="演示顾客")

    User.objects.create(
        username="admin",
        first_name="系统",
        last_name="管理员",
        password=make_password(ADMIN_PASSWORD),
        is_staff=True,
        is_superuser=True,
    )
    report.logins = demo_logins()
    return report


def demo_logins() -> list[tuple[str, str, str]]:
    return [
        ("superuser", "admin", ADMIN_PASSWORD),
        ("field agent (西湖区, 上城区)", "agent", DEMO_PASSWORD),
        ("field agent (拱墅区, 滨江区, 萧山区)", "agent2", DEMO_PASSWORD),
        ("regional manager (华东大区)", "manager", DEMO_PASSWORD),
        ("owner of store hz0001 (owner002... the others)", "owner001", DEMO_PASSWORD),
        ("warehouse system of hz0001's warehouse (warehouse2, 3)", "warehouse1", DEMO_PASSWORD),
        ("shopper (phone 13600000001; hz0001 delivers)", "shopper", DEMO_PASSWORD),
    ]


UTC_FORMAT = "%Y-%m-%d %H:%M:%S+00:00"


def delivery_plan(stores: list[Store]) -> DeliveryPlan:
    """Each store's lead time and delivery weekdays, from its warehouse."""
    lead = np.ones(len(stores), np.int64)
    weekdays = np.zeros((len(stores), 7), bool)
    for i, st in enumerate(stores):
        wh = st.warehouse
        assert wh is not None  # every demo store has a warehouse
        lead[i] = max(int(wh.lead_time_days), 1)
        weekdays[i, list(wh.delivery_weekdays) or list(range(7))] = True
    return DeliveryPlan(lead, weekdays)


def _write_sales(
    demand: DemoDemand,
    stock: DemoStock,
    stores: list[Store],
    products: list[Product],
    now: dt.datetime,
    progress: Callable[[str, int], Callable[[int], None]] | None,
) -> int:
    """Daily sales are what the shelves let through (`stock.sold`), not the demand."""
    s_idx, p_idx, d_idx = np.nonzero(stock.sold)
    units = stock.sold[s_idx, p_idx, d_idx]
    prices = demand.price[p_idx, d_idx]
    promo = demand.promo[p_idx, d_idx]
    store_ids = np.array([s.pk for s in stores])[s_idx]
    product_ids = np.array([p.pk for p in products])[p_idx]
    advance = progress("daily sales", len(units)) if progress else None
    # Revenue in cents, rounded half-even once, then written as an exact two-decimal string.
    cents = np.rint(units * prices.astype(np.float64) * 100).astype(np.int64)
    revenue = (
        pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)
    )
    frame = pd.DataFrame(
        {
            "store_id": store_ids,
            "product_id": product_ids,
            "date": pd.DatetimeIndex(demand.dates)[d_idx].strftime("%Y-%m-%d"),
            "units": units.astype(np.int64),
            "revenue": revenue,
            "promo": promo.astype(bool),
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
    )
    return bulk_insert_frame(DailySales, frame, progress=advance)


def _write_stock(
    demand: DemoDemand,
    stock: DemoStock,
    stores: list[Store],
    products: list[Product],
    now: dt.datetime,
) -> int:
    """Today's stock is where the simulated shelves ended; each level gets its opening movement
    so the ledger and the levels agree from day one. The stock-out spells of the history are
    written as the ledger would have (an open one for each line at zero today); returns their
    count."""
    levels, moves = [], []
    for si, st in enumerate(stores):
        for pi, p in enumerate(products):
            if not demand.carried[si, pi]:
                continue
            qty = int(stock.on_hand[si, pi])
            levels.append(StockLevel(store=st, product=p, on_hand=qty, last_counted_at=now))
            if qty:
                moves.append(
                    StockMovement(
                        store=st,
                        product=p,
                        kind="count_correction",
                        quantity=qty,
                        occurred_at=now,
                        reference="opening-count",
                        note=notes.DEMO_OPENING_STOCK,
                    )
                )
    StockLevel.objects.bulk_create(levels, batch_size=2000)
    StockMovement.objects.bulk_create(moves, batch_size=2000)

    spells = stock.spells
    if spells.empty:
        return 0
    started = pd.Series(pd.NaT, index=spells.index, dtype="datetime64[ns, UTC]")
    ended = started.copy()
    zones = np.array([st.timezone for st in stores], dtype=object)[spells["store"].to_numpy()]
    for name in pd.unique(zones):
        rows = spells.index[zones == name]
        zone = zone_named(str(name))
        for col, out in (("started", started), ("ended", ended)):
            local = pd.to_datetime(spells.loc[rows, col]).dt.floor("s")
            out[rows] = local.dt.tz_localize(
                zone, ambiguous="NaT", nonexistent="shift_forward"
            ).dt.tz_convert("UTC")
    store_ids = np.array([st.pk for st in stores])
    product_ids = np.array([p.pk for p in products])
    frame = pd.DataFrame(
        {
            "store_id": store_ids[spells["store"].to_numpy()],
            "product_id": product_ids[spells["product"].to_numpy()],
            "started_at": started.dt.strftime(UTC_FORMAT),
            "ended_at": ended.dt.strftime(UTC_FORMAT).astype(object).where(ended.notna(), None),
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
    )
    return bulk_insert_frame(StockOut, frame)
