"""Dense store x product x period panel: the one representation every forecaster reads.

Long frames (one row per store, product and period) are turned once into dense float32 arrays so
that features, baselines and metrics are vectorised over series instead of looping in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

#: Optional 0/1 covariates of the plain schema. They are treated as planned (known in advance).
FLAG_COLUMNS: tuple[str, ...] = ("promo", "display", "feature", "tpr")
#: Seasonal period by frequency: weekly pattern for daily data, yearly pattern for weekly data.
SEASON: dict[str, int] = {"D": 7, "W": 52}
#: Days per period by frequency.
PERIOD_DAYS: dict[str, int] = {"D": 1, "W": 7}


@dataclass(frozen=True, eq=False)
class Panel:
    """Sales of ``n`` series over ``n_obs`` observed periods plus planned future periods.

    ``units[s, t]`` is zero for a period with no recorded sale; periods before ``start[s]`` (the
    first sale) are "not carried yet" and are ignored by features and metrics. ``dates`` covers the
    observed periods followed by any future periods whose covariates are planned; for weekly data a
    date is the period's last day. Covariate arrays span all ``len(dates)`` periods.
    """

    store_ids: np.ndarray
    product_ids: np.ndarray
    dates: pd.DatetimeIndex
    freq: str
    units: np.ndarray  # float32 [n, n_obs]
    start: np.ndarray  # int64 [n]
    price: np.ndarray | None = None  # float32 [n, n_total], price paid (filled), for revenue
    price_ratio: np.ndarray | None = None  # float32 [n, n_total], price / base price (1 = full)
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)  # uint8 [n, n_total] each
    category: np.ndarray | None = None  # object [n], product category label
    #: bool [n, n_obs]: the period ended out of stock, so its sales understate demand (censored).
    censored: np.ndarray | None = None

    @property
    def n_series(self) -> int:
        return int(self.units.shape[0])

    @property
    def n_obs(self) -> int:
        return int(self.units.shape[1])

    @property
    def n_total(self) -> int:
        return len(self.dates)

    @property
    def season(self) -> int:
        return SEASON[self.freq]

    @property
    def observed(self) -> np.ndarray | None:
        """bool [n, n_obs]: periods whose demand was seen (None when nothing is censored)."""
        return None if self.censored is None else ~self.censored

    @property
    def has_planned(self) -> bool:
        return self.price_ratio is not None or bool(self.flags)

    def future_dates(self, horizon: int) -> pd.DatetimeIndex:
        """Dates of the ``horizon`` periods after the last observed one."""
        step = pd.Timedelta(days=PERIOD_DAYS[self.freq])
        last = self.dates[self.n_obs - 1]
        return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)])

    def extend(self, horizon: int) -> Panel:
        """Make sure covariates exist ``horizon`` periods past the history.

        Periods without planned values get the neutral plan: full price and no promotion. That is
        what the store will do unless someone planned otherwise.
        """
        missing = self.n_obs + horizon - self.n_total
        if missing <= 0:
            return self
        dates = self.dates.append(self.future_dates(horizon)[horizon - missing :])
        price = None
        if self.price is not None:
            price = np.concatenate([self.price, np.repeat(self.price[:, -1:], missing, 1)], 1)
        ratio = None
        if self.price_ratio is not None:
            pad = np.ones((self.n_series, missing), np.float32)
            ratio = np.concatenate([self.price_ratio, pad], 1)
        flags = {
            k: np.concatenate([v, np.zeros((self.n_series, missing), np.uint8)], 1)
            for k, v in self.flags.items()
        }
        return replace(self, dates=dates, price=price, price_ratio=ratio, flags=flags)

    def cut(self, origin: int, horizon: int, *, keep_planned: bool = True) -> Panel:
        """The panel as it was known just before period ``origin``.

        Units from ``origin`` on are dropped, so nothing downstream can leak the future; series
        that had not sold yet are not series then. Covariates stay known for ``horizon`` periods
        after the origin (planned) or, with ``keep_planned=False``, are reset to the neutral plan.
        """
        keep = self.start < origin
        end = min(origin + horizon, self.n_total)
        price = None if self.price is None else self.price[keep, :end]
        ratio = None if self.price_ratio is None else self.price_ratio[keep, :end].copy()
        flags = {k: v[keep, :end].copy() for k, v in self.flags.items()}
        if not keep_planned:
            if ratio is not None:
                ratio[:, origin:] = 1.0
            for v in flags.values():
                v[:, origin:] = 0
            if price is not None:
                price = price.copy()
                price[:, origin:] = price[:, origin - 1 : origin]
        return Panel(
            store_ids=self.store_ids[keep],
            product_ids=self.product_ids[keep],
            dates=self.dates[:end],
            freq=self.freq,
            units=self.units[keep, :origin],
            start=self.start[keep],
            price=price,
            price_ratio=ratio,
            flags=flags,
            category=None if self.category is None else self.category[keep],
            censored=None if self.censored is None else self.censored[keep, :origin],
        ).extend(horizon)

    def promo_any(self) -> np.ndarray | None:
        """uint8 [n, n_total]: any promotion flag, or a discount of 3% or more off base price."""
        if not self.has_planned:
            return None
        out = np.zeros((self.n_series, self.n_total), np.uint8)
        for v in self.flags.values():
            out |= v
        if self.price_ratio is not None:
            out |= (self.price_ratio < 0.97).astype(np.uint8)
        return out


def infer_freq(dates: pd.Series | pd.DatetimeIndex) -> str:
    """'D' or 'W' from the smallest gap between distinct dates."""
    uniq = np.sort(pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(dates))).to_numpy())
    if len(uniq) < 2:
        raise ValueError("cannot infer the frequency from fewer than two distinct dates")
    gap = int(np.min(np.diff(uniq)) / np.timedelta64(1, "D"))
    if gap == 1:
        return "D"
    if gap == 7:
        return "W"
    raise ValueError(f"unsupported period of {gap} days; expected daily or weekly data")


def _period_index(dates: pd.Series, first: pd.Timestamp, freq: str) -> np.ndarray:
    days = ((dates - first) / pd.Timedelta(days=1)).to_numpy()
    # Weekly dates that are not on the grid (a store reporting on another weekday) go to the
    # period whose end is on or after them, which is how period-end dates are defined.
    return np.ceil(days / PERIOD_DAYS[freq] - 1e-9).astype(np.int64)


def build_panel(
    sales: pd.DataFrame,
    *,
    freq: str | None = None,
    future: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
) -> Panel:
    """Build a :class:`Panel` from a long frame in the plain schema.

    ``sales`` has ``store_id, product_id, date, units`` and optionally ``price, base_price, promo,
    display, feature, tpr``. ``future`` has the same keys and covariates (no units) for periods
    after the last sales date: the planned prices and promotions. ``products`` maps
    ``product_id`` to ``category``. A store x product pair with no positive sale is not a series.
    An optional 0/1 ``stockout`` column marks days (periods) that ended out of stock: they become
    :attr:`Panel.censored` (a week is censored when any of its days is).
    """
    need = {"store_id", "product_id", "date", "units"}
    if missing := need - set(sales.columns):
        raise ValueError(f"sales lacks columns {sorted(missing)}")
    sales = sales.assign(date=pd.to_datetime(sales["date"]))
    freq = freq or infer_freq(sales["date"])
    if freq not in SEASON:
        raise ValueError(f"freq must be one of {sorted(SEASON)}, not {freq!r}")
    first = sales["date"].min()
    t_obs = _period_index(sales["date"], first, freq)
    n_obs = int(t_obs.max()) + 1

    cov_cols = [c for c in ("price", "base_price", *FLAG_COLUMNS) if c in sales.columns]
    frames = [sales.assign(_t=t_obs)]
    if future is not None and len(future):
        fut = future.assign(date=pd.to_datetime(future["date"]))
        t_fut = _period_index(fut["date"], first, freq)
        if t_fut.min() < n_obs:
            raise ValueError("future rows must come after the last sales period")
        frames.append(fut.assign(_t=t_fut, units=np.nan))
        known = ("price", "base_price", *FLAG_COLUMNS)
        cov_cols += [c for c in fut.columns if c in known and c not in cov_cols]
    rows = pd.concat(frames, ignore_index=True)
    n_total = int(rows["_t"].max()) + 1

    # Series are pairs with at least one positive sale in the history.
    sold = rows[rows["units"] > 0]
    keys = ["store_id", "product_id"]
    pairs = sold[keys].drop_duplicates().sort_values(keys)
    pair_index = pd.MultiIndex.from_frame(pairs)
    s_idx = pair_index.get_indexer(pd.MultiIndex.from_frame(rows[["store_id", "product_id"]]))
    rows = rows.assign(_s=s_idx)
    rows = rows[rows["_s"] >= 0]
    agg: dict[str, str] = {"units": "sum"}
    agg.update({c: "mean" for c in ("price", "base_price") if c in cov_cols})
    agg.update({c: "max" for c in FLAG_COLUMNS if c in cov_cols})
    has_stockout = "stockout" in sales.columns
    if has_stockout:
        rows["stockout"] = pd.to_numeric(rows["stockout"], errors="coerce").fillna(0)
        agg["stockout"] = "max"
    rows = rows.groupby(["_s", "_t"], sort=False).agg(agg).reset_index()
    s, t = rows["_s"].to_numpy(), rows["_t"].to_numpy()
    n = len(pairs)

    units = np.zeros((n, n_total), np.float32)
    units[s, t] = np.nan_to_num(rows["units"].to_numpy(np.float64), nan=0.0)
    units = np.maximum(units[:, :n_obs], 0.0)
    start = np.argmax(units > 0, axis=1).astype(np.int64)

    def dense(col: str, fill: float) -> np.ndarray:
        out = np.full((n, n_total), np.nan, np.float32)
        out[s, t] = rows[col].to_numpy(np.float64)
        return out if np.isnan(fill) else np.where(np.isnan(out), fill, out)

    price = ratio = None
    if "price" in cov_cols or "base_price" in cov_cols:
        paid = dense("price", np.nan) if "price" in cov_cols else None
        base = dense("base_price", np.nan) if "base_price" in cov_cols else None
        if base is None:
            assert paid is not None
            # Without a shelf price, the usual price is the highest recent paid price.
            base = _ffill(paid)
            base = pd.DataFrame(base.T).rolling(SEASON[freq], min_periods=1).max().to_numpy().T
        base = _ffill(base)
        base = np.where(np.isnan(base), _bfill(base), base)
        if paid is None:
            paid = base.copy()
        # A period without a row (no sale recorded, or a future period with no plan) is at base.
        paid = np.where(np.isnan(paid), base, paid)
        ratio = np.where(base > 0, paid / np.where(base > 0, base, 1.0), 1.0)
        ratio = np.clip(np.nan_to_num(ratio, nan=1.0), 0.05, 5.0).astype(np.float32)
        price = np.nan_to_num(paid, nan=1.0).astype(np.float32)
    flags = {
        c: np.nan_to_num(dense(c, 0.0), nan=0.0).astype(np.uint8)
        for c in FLAG_COLUMNS
        if c in cov_cols
    }
    censored = None
    if has_stockout:
        censored = np.nan_to_num(dense("stockout", 0.0), nan=0.0)[:, :n_obs] > 0
        if not censored.any():
            censored = None
    category = None
    if products is not None and "category" in products.columns:
        cat_map = dict(zip(products["product_id"], products["category"].astype(str), strict=False))
        category = np.array([cat_map.get(p, "") for p in pairs["product_id"]], dtype=object)
    dates = pd.DatetimeIndex(
        [first + pd.Timedelta(days=PERIOD_DAYS[freq] * i) for i in range(n_total)]
    )
    return Panel(
        store_ids=pairs["store_id"].to_numpy(),
        product_ids=pairs["product_id"].to_numpy(),
        dates=dates,
        freq=freq,
        units=units,
        start=start,
        price=price,
        price_ratio=ratio,
        flags=flags,
        category=category,
        censored=censored,
    )


def _ffill(a: np.ndarray) -> np.ndarray:
    """Forward-fill NaN along axis 1."""
    idx = np.where(np.isnan(a), 0, np.arange(a.shape[1]))
    np.maximum.accumulate(idx, axis=1, out=idx)
    return a[np.arange(a.shape[0])[:, None], idx]


def _bfill(a: np.ndarray) -> np.ndarray:
    return _ffill(a[:, ::-1])[:, ::-1]


def load_dataset(directory: str, *, freq: str | None = None) -> Panel:
    """Read ``sales.csv[.gz]`` (and ``products.csv`` for categories) in the plain schema."""
    root = Path(directory)
    found = [root / n for n in ("sales.csv.gz", "sales.csv") if (root / n).exists()]
    sales_path = found[0] if found else None
    if sales_path is None:
        raise FileNotFoundError(f"no sales.csv[.gz] in {root}")
    sales = pd.read_csv(sales_path)
    products = pd.read_csv(root / "products.csv") if (root / "products.csv").exists() else None
    return build_panel(sales, freq=freq, products=products)
