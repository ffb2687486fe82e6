"""Synthetic daily demand for the demo chain (numpy only, deterministic for a seed).

The patterns are the ones the recommenders must learn and the tests measure: weekly seasonality
that depends on the neighbourhood (offices empty at weekends), summer seasonality per category,
festival spikes (Spring Festival run-up, 6.18, National Day, 11.11) and holiday slumps for office
and school stores, school terms, chain-wide promotions with price cuts and a price response,
gamma-Poisson noise, and slow movers that sell a few units a month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .calendar import festival_windows
from .catalog_data import CATEGORIES

NEIGHBOURHOODS = ("residential", "office", "school", "transit", "rural")
NEIGHBOURHOOD_SHARE = (0.40, 0.22, 0.14, 0.14, 0.10)
# Monday..Sunday multipliers, averaging about 1.
WEEKLY = {
    "residential": (0.92, 0.90, 0.93, 0.95, 1.05, 1.15, 1.10),
    "office": (1.22, 1.20, 1.20, 1.20, 1.18, 0.50, 0.45),
    "school": (1.15, 1.15, 1.15, 1.15, 1.10, 0.65, 0.65),
    "transit": (1.00, 0.95, 0.95, 1.00, 1.20, 1.00, 0.90),
    "rural": (0.95, 0.95, 0.95, 0.95, 1.00, 1.10, 1.10),
}
PRICE_ELASTICITY = 2.5
PROMO_START_PROB = 0.05  # per product and week
GAMMA_SHAPE = 3.0


@dataclass(frozen=True)
class DemoProduct:
    index: int
    category: int  # index into CATEGORIES
    name: str
    name_en: str
    brand: str
    price: float
    case_pack: int
    width_cm: float
    shelf_life_days: int | None
    base_rate: float


@dataclass(frozen=True)
class DemoDemand:
    dates: list[dt.date]
    neighbourhood: np.ndarray  # (stores,) index into NEIGHBOURHOODS
    store_scale: np.ndarray  # (stores,)
    carried: np.ndarray  # (stores, products) bool
    promo: np.ndarray  # (products, days) bool
    price: np.ndarray  # (products, days) price paid
    units: np.ndarray  # (stores, products, days) int32, 0 where not carried: the true demand
    rate: np.ndarray  # (stores, products, days) float32: its expected value (before the noise)


def demo_products(n: int) -> list[DemoProduct]:
    """The catalog: every listed item first, then pack variants of them selling less."""
    base = [(ci, item) for ci, cat in enumerate(CATEGORIES) for item in cat.items]
    variants = (
        ("家庭装", "family pack", 1.8, 0.35),
        ("迷你装", "mini", 0.6, 0.3),
        ("新口味", "new flavour", 1.1, 0.25),
    )
    out: list[DemoProduct] = []
    for i in range(n):
        ci, (name, name_en, brand, price, case_pack, width, shelf, rate) = base[i % len(base)]
        round_no = i // len(base)
        price_f, rate_f = float(price), rate
        if round_no:
            label, label_en, pf, rf = variants[(round_no - 1) % len(variants)]
            k = (round_no - 1) // len(variants)
            suffix = f" {label}" + (f" {k + 1}" if k else "")
            name, name_en = name + suffix, f"{name_en} {label_en}" + (f" {k + 1}" if k else "")
            price_f, rate_f = round(price_f * pf, 1), rate * rf
        out.append(
            DemoProduct(i, ci, name, name_en, brand, price_f, case_pack, width, shelf, rate_f)
        )
    return out


def _school_term(dates: list[dt.date]) -> np.ndarray:
    def in_term(d: dt.date) -> bool:
        summer = dt.date(d.year, 7, 10) <= d <= dt.date(d.year, 8, 31)
        winter = dt.date(d.year, 1, 18) <= d <= dt.date(d.year, 2, 24)
        return not (summer or winter)

    return np.array([in_term(d) for d in dates])


def _festival_effects(dates: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """(festival day flags, public holiday flags) per date."""
    index = {d: i for i, d in enumerate(dates)}
    festival = np.zeros(len(dates), dtype=bool)
    holiday = np.zeros(len(dates), dtype=bool)
    for year in {d.year for d in dates}:
        for _name, start, end, is_holiday in festival_windows(year):
            day = start
            while day <= end:
                if day in index:
                    festival[index[day]] = True
                    holiday[index[day]] |= is_holiday
                day += dt.timedelta(days=1)
    return festival, holiday


def simulate(
    *, stores: int, products: list[DemoProduct], dates: list[dt.date], seed: int
) -> DemoDemand:
    rng = np.random.default_rng(seed)
    n_s, n_p, n_d = stores, len(products), len(dates)
    nb = rng.choice(len(NEIGHBOURHOODS), size=n_s, p=NEIGHBOURHOOD_SHARE)
    store_scale = rng.lognormal(0.0, 0.35, size=n_s)
    cat = np.array([p.category for p in products])
    rate = np.array([p.base_rate for p in products])

    affinity = np.array([[CATEGORIES[c].affinity[NEIGHBOURHOODS[k]] for c in cat] for k in nb])
    carry_p = np.clip(
        0.45 + 0.35 * np.minimum(affinity, 1.5) + 0.1 * np.minimum(rate, 1.0), 0.05, 0.97
    )
    carried = rng.random((n_s, n_p)) < carry_p

    # Daily multipliers.
    dow = np.array([d.weekday() for d in dates])
    weekly = np.array([WEEKLY[NEIGHBOURHOODS[k]] for k in nb])[:, dow]  # (S, D)
    doy = np.array([d.timetuple().tm_yday for d in dates])
    summer_wave = np.maximum(0.0, np.cos(2 * np.pi * (doy - 200) / 365.25))  # 1 in mid July
    summer = np.array([CATEGORIES[c].summer for c in cat])
    seasonal = np.clip(1.0 + summer[:, None] * (summer_wave[None, :] - 0.3), 0.2, None)  # (P, D)
    festival, holiday = _festival_effects(dates)
    fest_mult = np.array([CATEGORIES[c].festival for c in cat])
    fest = np.where(festival[None, :], fest_mult[:, None], 1.0)  # (P, D)
    # Offices and schools empty out on public holidays; schools also between terms.
    store_day = np.ones((n_s, n_d))
    office, school = nb == NEIGHBOURHOODS.index("office"), nb == NEIGHBOURHOODS.index("school")
    store_day[np.ix_(office, holiday)] *= 0.35
    store_day[np.ix_(school, holiday)] *= 0.4
    store_day[np.ix_(school, ~_school_term(dates))] *= 0.5

    # Chain-wide promotions: week-long price cuts.
    promo = np.zeros((n_p, n_d), dtype=bool)
    discount = np.zeros((n_p, n_d))
    for week_start in range(0, n_d, 7):
        starts = rng.random(n_p) < PROMO_START_PROB
        cut = rng.uniform(0.1, 0.3, size=n_p)
        promo[starts, week_start : week_start + 7] = True
        discount[starts, week_start : week_start + 7] = cut[starts, None]
    base_price = np.array([p.price for p in products])
    price = np.round(base_price[:, None] * (1 - discount), 1)
    lift = (1 - discount) ** (-PRICE_ELASTICITY)

    sp_scale = rng.lognormal(0.0, 0.25, size=(n_s, n_p)) * affinity * carried
    lam = (
        (store_scale[:, None] * rate[None, :] * sp_scale)[:, :, None]
        * weekly[:, None, :]
        * store_day[:, None, :]
        * (seasonal * fest * lift)[None, :, :]
    )
    noise = rng.gamma(GAMMA_SHAPE, 1.0 / GAMMA_SHAPE, size=lam.shape)
    units = rng.poisson(lam * noise).astype(np.int32)
    return DemoDemand(dates, nb, store_scale, carried, promo, price, units, lam.astype(np.float32))
