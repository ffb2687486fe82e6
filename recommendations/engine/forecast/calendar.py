"""Calendar and festival features per period.

The festival calendar is data (``festivals_cn.csv``: Spring Festival, Lantern, Qingming, Labour
Day, Dragon Boat, 6.18, Mid-Autumn, National Day, 11.11, 12.12 and New Year, 2015-2035), so a
market with other peaks passes its own frame instead of changing code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .panel import PERIOD_DAYS

FESTIVALS_CSV = Path(__file__).with_name("festivals_cn.csv")
#: Festivals further away than this many days do not change demand (a cap for the tree).
HORIZON_DAYS = 28


@lru_cache(maxsize=1)
def default_festivals() -> pd.DataFrame:
    """The built-in Chinese retail calendar: columns ``date`` and ``festival``."""
    frame = pd.read_csv(FESTIVALS_CSV)
    return frame.assign(date=pd.to_datetime(frame["date"]))


def festival_names(festivals: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(festivals["festival"].astype(str).unique()))


def calendar_features(
    dates: pd.DatetimeIndex, freq: str, festivals: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """Per-period features (arrays of ``len(dates)``) for the periods ``dates``.

    For weekly data a festival belongs to the week that contains it (the 7 days ending on the
    period's date). Distances are in days so daily and weekly models speak the same unit.
    """
    out: dict[str, np.ndarray] = {
        "month": dates.month.to_numpy(np.float32),
        "week_of_year": ((dates.day_of_year.to_numpy() - 1) // 7 + 1).astype(np.float32),
    }
    if freq == "D":
        out["day_of_week"] = dates.day_of_week.to_numpy(np.float32)
        out["day_of_month"] = dates.day.to_numpy(np.float32)
    if festivals is None or festivals.empty:
        return out
    names = festival_names(festivals)
    code = {n: i + 1 for i, n in enumerate(names)}
    fest_days = pd.DatetimeIndex(festivals["date"]).normalize().to_numpy()
    fest_code = festivals["festival"].astype(str).map(code).to_numpy()
    order = np.argsort(fest_days)
    fest_days, fest_code = fest_days[order], fest_code[order]
    span = PERIOD_DAYS[freq]
    period_end = dates.normalize().to_numpy()
    period_start = period_end - np.timedelta64(span - 1, "D")
    # Festival inside the period (the first one if two fall in one week).
    lo = np.searchsorted(fest_days, period_start, side="left")
    hi = np.searchsorted(fest_days, period_end, side="right")
    inside = hi > lo
    safe_lo = np.minimum(lo, len(fest_days) - 1)
    out["festival"] = np.where(inside, fest_code[safe_lo], 0).astype(np.float32)
    # Days to the next festival after the period and since the last one before it.
    nxt = np.minimum(hi, len(fest_days) - 1)
    has_next = hi < len(fest_days)
    to_next = (fest_days[nxt] - period_end) / np.timedelta64(1, "D")
    out["days_to_festival"] = np.where(has_next, np.minimum(to_next, HORIZON_DAYS), HORIZON_DAYS)
    out["next_festival"] = np.where(has_next & (to_next <= HORIZON_DAYS), fest_code[nxt], 0).astype(
        np.float32
    )
    prv = np.maximum(lo - 1, 0)
    has_prev = lo > 0
    since = (period_start - fest_days[prv]) / np.timedelta64(1, "D")
    out["days_since_festival"] = np.where(has_prev, np.minimum(since, HORIZON_DAYS), HORIZON_DAYS)
    out["days_to_festival"] = out["days_to_festival"].astype(np.float32)
    out["days_since_festival"] = out["days_since_festival"].astype(np.float32)
    return out
