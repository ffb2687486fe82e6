"""Synthetic sales panels in the plain CSV schema, one demand regime each: the robustness corpus.

``make_corpus(regime)`` returns long sales (``date, store_id, product_id, units`` plus the optional
plain-schema covariates the regime has) and a products frame, ready for ``build_panel``. Every
series is a store x product pair; its expected demand is ``scale x level x pattern x noise``,
where the level and pattern come from the regime and the noise is a mean-one, mildly
autocorrelated log-normal factor. Units are Poisson draws of that expectation (a Bernoulli
occurrence times a Poisson size for intermittent series), so they are integers and the expected
demand is exactly ``scale`` times the one at ``scale=1`` (the same seed draws the same structure).
As in real data, about half of the zero-sale rows are left out.

The regimes (:data:`REGIMES`), default frequency and history:

* ``tiny`` (W, 156): levels 0.05-0.5 units a period. ``huge`` (W, 156): levels 10^4-10^6.
* ``intermittent`` (W, 156): a sale in 5-35% of periods, sizes of 1-6 units.
* ``trend`` (W, 156): log-linear growth or decline by a factor of 1.6-7 over the panel.
* ``level_shift`` (W, 156): one permanent step (x1/3 to x3, at least x1.5) per series, some in
  the last weeks.
* ``short`` (W, 20): every series has only a few periods of history.
* ``new`` (W, 104): series launched at various times, a fifth of them within the last 8
  periods, each ramping up to its level over a few periods.
* ``weekly_season`` (D, 364): strong day-of-week profiles shared within a category.
* ``yearly_season`` (W, 156): strong annual profiles (two harmonics) shared within a category.
* ``holiday`` (W, 156): spikes on a US-style holiday calendar (New Year, Super Bowl, Independence
  Day, Labor Day, Thanksgiving, Christmas); ``feature`` = 1 marks holiday periods so a model given
  plans knows them.
* ``promo`` (W, 156): promotions with price cuts of 10-40% (``price < base_price``, ``promo`` =
  1) and elastic demand (elasticity 1.5-4).
* ``driver`` (W, 156): price wanders continuously around the base price (+-30%), demand follows it
  with an elasticity of 1-3; no promotion flag.
* ``stockout`` (D, 364): true demand is drawn, stock follows a periodic order-up-to policy that
  sometimes runs short (or misses a delivery), sales = min(demand, stock); ``stockout`` = 1 when
  the period ended with nothing on hand. ``Corpus.truth`` holds the true demand and the stock.
* ``mix``: every other regime's series in one panel (levels 0.05 to 10^6), with unit prices that
  fall with the level (price ~ level^-0.75) so that revenue weights span about two orders of
  magnitude and no regime owns the WRMSSE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

REGIMES: tuple[str, ...] = (
    "tiny",
    "huge",
    "intermittent",
    "trend",
    "level_shift",
    "short",
    "new",
    "weekly_season",
    "yearly_season",
    "holiday",
    "promo",
    "driver",
    "stockout",
    "mix",
)
_DEFAULT_FREQ = {"weekly_season": "D", "stockout": "D"}
_DEFAULT_PERIODS = {("short", "W"): 20, ("short", "D"): 42, ("new", "W"): 104}
_PERIODS = {"W": 156, "D": 364}
_FIRST_DATE = {"W": pd.Timestamp("2022-01-02"), "D": pd.Timestamp("2023-01-01")}
_STEP_DAYS = {"W": 7, "D": 1}
#: Share of zero-sale rows left out of the sales frame (a missing row is a zero sale).
_OMIT_ZERO = 0.5


@dataclass(frozen=True, eq=False)
class Corpus:
    """One synthetic dataset: ``sales`` and ``products`` in the plain schema (see the module)."""

    sales: pd.DataFrame
    products: pd.DataFrame
    freq: str
    truth: pd.DataFrame | None  # date, store_id, product_id, demand, stock (stock-out regimes)
    description: str


@dataclass(frozen=True, eq=False)
class _Ctx:
    rng: np.random.Generator
    freq: str
    dates: pd.DatetimeIndex

    @property
    def periods(self) -> int:
        return len(self.dates)


@dataclass(frozen=True, eq=False)
class _Block:
    """The demand structure of ``n`` series (internal; arrays are [n] or [n, T])."""

    regime: str
    product: np.ndarray  # product index within the block, shared by several stores
    level: np.ndarray  # expected units a period at base price, before the pattern
    log_pattern: np.ndarray  # log multiplier per period (season, trend, promotion lift...)
    launch: np.ndarray  # first period with demand
    occurrence: np.ndarray | None = None  # probability of any demand in a period
    base_price: np.ndarray | None = None
    price_ratio: np.ndarray | None = None  # price paid / base price
    promo: np.ndarray | None = None
    feature: np.ndarray | None = None
    stock_cover: np.ndarray | None = None  # stock-out regime: order-up-to level in periods
    review: int = 1  # stock-out regime: periods between deliveries


# --- building blocks ---------------------------------------------------------------------------


def _layout(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Store and product index of ``n`` series: about 10 stores sharing products."""
    n_stores = int(np.clip(n // 10, 1, 10))
    n_products = -(-n // n_stores)
    pairs = np.arange(n_stores * n_products)
    pick = np.sort(rng.choice(pairs, size=n, replace=False))
    return pick // n_products, pick % n_products, n_products


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, product: np.ndarray) -> np.ndarray:
    """Levels in [lo, hi], log-uniform-ish, shared in part by the series of one product."""
    u_product = rng.random(int(product.max()) + 1)[product]
    u = 0.6 * u_product + 0.4 * rng.random(product.size)
    return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))


def _noise(ctx: _Ctx, n: int, sd: float = 0.15, phi: float = 0.6) -> np.ndarray:
    """Stationary AR(1) log noise with mean-one exponential (sd is the stationary sd)."""
    eps = ctx.rng.standard_normal((n, ctx.periods)) * sd * np.sqrt(1 - phi * phi)
    out = np.empty_like(eps)
    out[:, 0] = ctx.rng.standard_normal(n) * sd
    for t in range(1, ctx.periods):
        out[:, t] = phi * out[:, t - 1] + eps[:, t]
    return out - sd * sd / 2


def _category(product: np.ndarray, n_categories: int = 3) -> np.ndarray:
    return product % n_categories


def _weekly(ctx: _Ctx, product: np.ndarray, amp: tuple[float, float]) -> np.ndarray:
    """Day-of-week log profile per category (zero for weekly data), scaled per product."""
    if ctx.freq != "D":
        return np.zeros((product.size, ctx.periods))
    cat = _category(product)
    shape = ctx.rng.standard_normal((int(cat.max()) + 1, 7))
    shape[:, 5:] += 1.5  # weekends sell more, in every category
    shape = (shape - shape.mean(1, keepdims=True)) / shape.std(1, keepdims=True)
    strength = ctx.rng.uniform(*amp, int(product.max()) + 1)[product]
    dow = ctx.dates.day_of_week.to_numpy()
    return strength[:, None] * shape[cat][:, dow] / 2


def _yearly(ctx: _Ctx, product: np.ndarray, amp: tuple[float, float]) -> np.ndarray:
    """Annual log profile (two harmonics) per category, scaled per product."""
    cat = _category(product)
    n_cat = int(cat.max()) + 1
    phase = ctx.rng.uniform(0, 2 * np.pi, (n_cat, 2))
    weight = np.stack([np.ones(n_cat), ctx.rng.uniform(0.2, 0.6, n_cat)], 1)
    day = ctx.dates.day_of_year.to_numpy() / 365.25 * 2 * np.pi
    profile = sum(
        weight[cat, k, None] * np.cos((k + 1) * day[None, :] - phase[cat, k, None])
        for k in range(2)
    )
    strength = ctx.rng.uniform(*amp, int(product.max()) + 1)[product]
    return strength[:, None] * profile


def _holidays(dates: pd.DatetimeIndex, freq: str) -> dict[str, np.ndarray]:
    """0/1 per period for each holiday: the week containing it, or the day and the day before."""
    years = range(dates[0].year - 1, dates[-1].year + 2)

    def nth(year: int, month: int, weekday: int, k: int) -> pd.Timestamp:
        first = pd.Timestamp(year, month, 1)
        return first + pd.Timedelta(days=(weekday - first.day_of_week) % 7 + 7 * (k - 1))

    days = {
        "new_year": [pd.Timestamp(y, 1, 1) for y in years],
        "super_bowl": [nth(y, 2, 6, 1) for y in years],
        "independence": [pd.Timestamp(y, 7, 4) for y in years],
        "labor_day": [nth(y, 9, 0, 1) for y in years],
        "thanksgiving": [nth(y, 11, 3, 4) for y in years],
        "christmas": [pd.Timestamp(y, 12, 25) for y in years],
    }
    end = dates.to_numpy()
    out = {}
    for name, when in days.items():
        hit = np.zeros(len(dates), bool)
        for day in when:
            d = np.datetime64(day)
            if freq == "W":
                hit |= (end >= d) & (end < d + np.timedelta64(7, "D"))
            else:
                hit |= (end == d) | (end == d - np.timedelta64(1, "D"))
        out[name] = hit
    return out


def _prices(ctx: _Ctx, product: np.ndarray) -> np.ndarray:
    return np.round(ctx.rng.uniform(1.0, 10.0, int(product.max()) + 1), 2)[product]


def _start_block(ctx: _Ctx, regime: str, product: np.ndarray, lo: float, hi: float) -> _Block:
    n = product.size
    return _Block(
        regime=regime,
        product=product,
        level=_log_uniform(ctx.rng, lo, hi, product),
        log_pattern=_noise(ctx, n) + _weekly(ctx, product, (0.1, 0.3)),
        launch=np.zeros(n, np.int64),
    )


# --- the regimes --------------------------------------------------------------------------------


def _regime_block(regime: str, ctx: _Ctx, product: np.ndarray, *, in_mix: bool) -> _Block:
    rng, t_all, n = ctx.rng, ctx.periods, product.size
    t = np.arange(t_all)
    per_product = int(product.max()) + 1
    if regime == "tiny":
        return _start_block(ctx, regime, product, 0.05, 0.5)
    if regime == "huge":
        return _start_block(ctx, regime, product, 1e4, 1e6)
    if regime == "intermittent":
        b = _start_block(ctx, regime, product, 1.0, 1.0)
        p = _log_uniform(rng, 0.05, 0.35, product)
        size = rng.uniform(1.2, 6.0, n)
        return replace(b, level=p * size, occurrence=p)
    if regime == "trend":
        b = _start_block(ctx, regime, product, 1.0, 100.0)
        change = rng.uniform(np.log(1.6), np.log(7.0), n) * rng.choice([-1.0, 1.0], n)
        slope = change / max(t_all - 1, 1)
        return replace(b, log_pattern=b.log_pattern + slope[:, None] * (t - t_all / 2)[None, :])
    if regime == "level_shift":
        b = _start_block(ctx, regime, product, 2.0, 200.0)
        when = rng.integers(t_all // 3, max(t_all - 6, t_all // 3 + 1), n)
        late = rng.random(n) < 0.25
        when = np.where(late, rng.integers(max(t_all - 12, 1), max(t_all - 3, 2), n), when)
        size = rng.uniform(np.log(1.5), np.log(3.0), n) * rng.choice([-1.0, 1.0], n)
        step = (t[None, :] >= when[:, None]) * size[:, None]
        return replace(b, log_pattern=b.log_pattern + step)
    if regime == "short":
        b = _start_block(ctx, regime, product, 1.0, 50.0)
        launch = t_all - rng.integers(14, 25, n) if in_mix else rng.integers(0, 5, n)
        return replace(b, launch=np.clip(launch, 0, t_all - 1))
    if regime == "new":
        b = _start_block(ctx, regime, product, 1.0, 50.0)
        kind = rng.random(n)
        launch = np.where(
            kind < 0.25,
            0,
            np.where(
                kind < 0.8, rng.integers(1, max(t_all - 8, 2), n), t_all - rng.integers(1, 9, n)
            ),
        )
        tau = rng.uniform(1.0, 4.0, n)
        since = np.maximum(t[None, :] - launch[:, None], 0)
        ramp = np.log(1 - 0.8 * np.exp(-since / tau[:, None]))
        return replace(b, launch=np.clip(launch, 0, t_all - 1), log_pattern=b.log_pattern + ramp)
    if regime == "weekly_season":
        b = _start_block(ctx, regime, product, 2.0, 100.0)
        pattern = _noise(ctx, n) + _weekly(ctx, product, (0.6, 1.2))
        return replace(b, log_pattern=pattern)
    if regime == "yearly_season":
        b = _start_block(ctx, regime, product, 2.0, 100.0)
        return replace(b, log_pattern=b.log_pattern + _yearly(ctx, product, (0.5, 1.2)))
    if regime == "holiday":
        b = _start_block(ctx, regime, product, 2.0, 100.0)
        lift = np.zeros((n, t_all))
        flag = np.zeros(t_all, bool)
        for name, hit in _holidays(ctx.dates, ctx.freq).items():
            top = 1.4 if name in ("christmas", "thanksgiving") else 0.9
            size = rng.uniform(0.3, top, per_product)[product] * rng.uniform(0.8, 1.2, n)
            lift += size[:, None] * hit[None, :]
            flag |= hit
        feature = np.repeat(flag[None, :].astype(np.uint8), n, 0)
        return replace(b, log_pattern=b.log_pattern + lift, feature=feature)
    if regime == "promo":
        b = _start_block(ctx, regime, product, 2.0, 100.0)
        starts = rng.random((n, t_all)) < 0.08
        promo = starts | np.roll(starts & (rng.random((n, t_all)) < 0.5), 1, axis=1)
        promo[:, 0] = starts[:, 0]
        depth = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3, 0.4], (n, t_all))
        ratio = np.where(promo, 1 - depth, 1.0)
        elasticity = rng.uniform(1.5, 4.0, per_product)[product]
        lift = -elasticity[:, None] * np.log(ratio)
        return replace(
            b,
            log_pattern=b.log_pattern + lift,
            base_price=_prices(ctx, product),
            price_ratio=ratio,
            promo=promo.astype(np.uint8),
        )
    if regime == "driver":
        b = _start_block(ctx, regime, product, 2.0, 100.0)
        walk = _noise(ctx, n, sd=0.12, phi=0.9) + 0.12**2 / 2
        ratio = np.clip(np.exp(walk), 0.7, 1.3)
        elasticity = rng.uniform(1.0, 3.0, per_product)[product]
        return replace(
            b,
            log_pattern=b.log_pattern - elasticity[:, None] * np.log(ratio),
            base_price=_prices(ctx, product),
            price_ratio=np.round(ratio, 3),
        )
    if regime == "stockout":
        b = _start_block(ctx, regime, product, 3.0, 60.0)
        review = 7 if ctx.freq == "D" else 2
        return replace(b, stock_cover=review * rng.uniform(0.95, 1.5, n), review=review)
    raise ValueError(f"unknown regime {regime!r}; expected one of {REGIMES}")


def _simulate_stock(
    rng: np.random.Generator, demand: np.ndarray, expected: np.ndarray, b: _Block
) -> tuple[np.ndarray, np.ndarray]:
    """Periodic order-up-to stock (a delivery every ``review`` periods, one in ten missed):
    returns the stock available in each period and the units sold (min of demand and stock)."""
    assert b.stock_cover is not None
    n, t_all = demand.shape
    target = np.ceil(expected.mean(1) * b.stock_cover)
    phase = rng.integers(0, b.review, n)
    on_hand = target.copy()
    stock = np.zeros_like(demand)
    for t in range(t_all):
        deliver = ((t - phase) % b.review == 0) & (rng.random(n) >= 0.1)
        on_hand = np.where(deliver, np.maximum(on_hand, target), on_hand)
        stock[:, t] = on_hand
        on_hand = on_hand - np.minimum(demand[:, t], on_hand)
    return stock, np.minimum(demand, stock)


# --- assembly ----------------------------------------------------------------------------------

_DESCRIPTIONS = {
    "tiny": "levels 0.05-0.5 units a period",
    "huge": "levels 1e4-1e6 units a period",
    "intermittent": "a sale in 5-35% of periods, sizes 1-6",
    "trend": "log-linear trends, x1.6-x7 up or down over the panel",
    "level_shift": "one permanent step x1/3-x3 per series, a quarter in the last 12 periods",
    "short": "a few periods of history",
    "new": "launches at various times (a fifth in the last 8 periods), ramping up",
    "weekly_season": "strong day-of-week profiles per category",
    "yearly_season": "strong annual profiles per category",
    "holiday": "holiday spikes (feature=1 on holiday periods)",
    "promo": "price cuts of 10-40% with promo=1, elasticity 1.5-4",
    "driver": "price moving continuously within +-30% of base, elasticity 1-3, no promo flag",
    "stockout": "sales = min(demand, stock) under periodic order-up-to stock; stockout flag",
    "mix": "every regime in one panel, levels 0.05-1e6, price ~ level^-0.75",
}


def _sample(
    rng: np.random.Generator, b: _Block, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Demand, sales and stock ([n, T]) of a block; zero before each series' launch."""
    n, t_all = b.log_pattern.shape
    alive = np.arange(t_all)[None, :] >= b.launch[:, None]
    expected = np.where(alive, scale * b.level[:, None] * np.exp(b.log_pattern), 0.0)
    if b.occurrence is not None:
        hit = rng.random((n, t_all)) < b.occurrence[:, None]
        demand = np.where(hit, rng.poisson(expected / b.occurrence[:, None]), 0)
    else:
        demand = rng.poisson(expected)
    demand = demand.astype(np.int64)
    if b.stock_cover is None:
        return demand, demand, None
    stock, sales = _simulate_stock(rng, demand, expected, b)
    return demand, sales, stock


def make_corpus(
    regime: str,
    *,
    freq: str | None = None,
    n_series: int = 300,
    periods: int | None = None,
    seed: int = 0,
    scale: float = 1.0,
) -> Corpus:
    """A synthetic panel of ``n_series`` store x product series in one regime (see the module).

    ``freq`` ('D' or 'W') and ``periods`` default per regime. ``scale`` multiplies the expected
    demand of every series and period. The result is a function of the arguments only.
    """
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; expected one of {REGIMES}")
    freq = freq or _DEFAULT_FREQ.get(regime, "W")
    if freq not in _PERIODS:
        raise ValueError(f"freq must be 'D' or 'W', not {freq!r}")
    periods = periods or _DEFAULT_PERIODS.get((regime, freq), _PERIODS[freq])
    if periods < 8:
        raise ValueError("periods must be at least 8")
    if n_series < 1:
        raise ValueError("n_series must be at least 1")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError("scale must be a positive number")
    rng = np.random.default_rng([seed, REGIMES.index(regime)])
    dates = pd.DatetimeIndex(
        _FIRST_DATE[freq] + pd.to_timedelta(np.arange(periods) * _STEP_DAYS[freq], "D")
    )
    ctx = _Ctx(rng=rng, freq=freq, dates=dates)
    mix = regime == "mix"
    names = [r for r in REGIMES if r != "mix"] if mix else [regime]
    frames, truths, products = [], [], []
    for name, part in zip(names, np.array_split(np.arange(n_series), len(names)), strict=True):
        if part.size == 0:
            continue
        store, product, n_products = _layout(rng, part.size)
        block = _regime_block(name, ctx, product, in_mix=mix)
        if mix:
            ratio = block.price_ratio if block.price_ratio is not None else 1.0
            block = replace(
                block,
                base_price=5.0 * block.level**-0.75,
                price_ratio=np.broadcast_to(ratio, block.log_pattern.shape),
            )
        demand, sales, stock = _sample(rng, block, scale)
        labels = (
            np.array([f"S{s + 1:02d}" for s in store], dtype=object),
            np.array([f"{name}-{p:03d}" for p in product], dtype=object),
        )
        frames.append(_long(rng, ctx, block, labels, sales, stock))
        if stock is not None or mix:
            truths.append(_truth(ctx, block, labels, demand, stock))
        products.append(
            pd.DataFrame(
                {
                    "product_id": [f"{name}-{p:03d}" for p in range(n_products)],
                    "name": [f"{name} product {p}" for p in range(n_products)],
                    "category": [f"{name}-c{c}" for c in _category(np.arange(n_products))],
                }
            )
        )
    sales_frame = pd.concat(frames, ignore_index=True)
    flag_cols = [c for c in ("promo", "feature", "stockout") if c in sales_frame.columns]
    sales_frame[flag_cols] = sales_frame[flag_cols].fillna(0).astype(np.int64)
    has_stockouts = any(t["stock"].notna().any() for t in truths)
    return Corpus(
        sales=sales_frame,
        products=pd.concat(products, ignore_index=True),
        freq=freq,
        truth=pd.concat(truths, ignore_index=True) if has_stockouts else None,
        description=(
            f"{regime}: {_DESCRIPTIONS[regime]}; {n_series} series x {periods} periods "
            f"({'daily' if freq == 'D' else 'weekly'}), scale {scale:g}, seed {seed}"
        ),
    )


def _long(
    rng: np.random.Generator,
    ctx: _Ctx,
    b: _Block,
    labels: tuple[np.ndarray, np.ndarray],
    sales: np.ndarray,
    stock: np.ndarray | None,
) -> pd.DataFrame:
    """Rows from each launch on, about half of the zero-sale rows dropped (never a stock-out)."""
    s, t = np.nonzero(np.arange(ctx.periods)[None, :] >= b.launch[:, None])
    units = sales[s, t]
    out = None if stock is None else (stock[s, t] == units)
    keep = (units > 0) | (rng.random(units.size) >= _OMIT_ZERO)
    if out is not None:
        keep |= out
    s, t, units = s[keep], t[keep], units[keep]
    cols: dict[str, object] = {
        "date": ctx.dates[t],
        "store_id": labels[0][s],
        "product_id": labels[1][s],
        "units": units,
    }
    if b.base_price is not None:
        ratio = 1.0 if b.price_ratio is None else b.price_ratio[s, t]
        cols["price"] = b.base_price[s] * ratio
        cols["base_price"] = b.base_price[s]
    if b.promo is not None:
        cols["promo"] = b.promo[s, t].astype(np.int64)
    if b.feature is not None:
        cols["feature"] = b.feature[s, t].astype(np.int64)
    if out is not None:
        cols["stockout"] = out[keep].astype(np.int64)
    return pd.DataFrame(cols)


def _truth(
    ctx: _Ctx,
    b: _Block,
    labels: tuple[np.ndarray, np.ndarray],
    demand: np.ndarray,
    stock: np.ndarray | None,
) -> pd.DataFrame:
    s, t = np.nonzero(np.arange(ctx.periods)[None, :] >= b.launch[:, None])
    return pd.DataFrame(
        {
            "date": ctx.dates[t],
            "store_id": labels[0][s],
            "product_id": labels[1][s],
            "demand": demand[s, t],
            "stock": np.nan if stock is None else stock[s, t].astype(np.float64),
        }
    )


__all__ = ["REGIMES", "Corpus", "make_corpus"]
