"""Classical per-series baselines, vectorised over series (loops run over time only).

Every function takes the history ``units`` (float [n, T]) with ``start`` (first sale per series;
earlier periods are ignored) and returns point forecasts of shape [n, horizon]. ``observed``
(bool [n, T], optional) marks the periods whose demand was seen: a period that ended out of stock
is censored (its sales understate demand), so the smoothing methods skip it and the averages leave
it out instead of reading it as zero demand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BASELINES: tuple[str, ...] = (
    "naive",
    "seasonal_naive",
    "moving_average",
    "historic_average",
    "ses",
    "croston",
    "tsb",
    "imapa",
    "linear_trend",
)
#: Moving-average window by seasonal period: four weeks of days, or eight weeks.
_MA_WINDOW = {7: 28, 52: 8}
#: Periods SES smooths over, by seasonal period (see :func:`ses`).
_SES_WINDOW = {7: 112}
_SES_GRID = np.linspace(0.05, 0.95, 19)
#: The slow SES grid IMAPA smooths every aggregation level with (statsforecast's bounds).
_IMAPA_GRID = np.linspace(0.1, 0.3, 5)
#: Periods the linear trend is fit over, by seasonal period (a year of weeks, 16 weeks of days).
_TREND_WINDOW = {7: 112, 52: 52}
#: Damping of the trend per step ahead (the forecast adds ``slope * sum(phi ** k)``).
_TREND_DAMPING = 0.9


def _active(units: np.ndarray, start: np.ndarray) -> np.ndarray:
    return np.arange(units.shape[1])[None, :] >= start[:, None]


def _seen(units: np.ndarray, start: np.ndarray, observed: np.ndarray | None) -> np.ndarray:
    active = _active(units, start)
    return active if observed is None else active & observed


def naive(units: np.ndarray, start: np.ndarray, horizon: int) -> np.ndarray:
    """The last observed period, repeated."""
    return np.repeat(units[:, -1:].astype(np.float64), horizon, axis=1)


def seasonal_naive(units: np.ndarray, start: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The same period one season ago; the naive forecast while history is shorter than a season."""
    t = units.shape[1]
    out = naive(units, start, horizon)
    if t < season:
        return out
    cols = t - season + (np.arange(horizon) % season)
    full = start <= t - season
    out[full] = units[np.ix_(full, cols)]
    return out


def _window_mean(
    units: np.ndarray, start: np.ndarray, horizon: int, lo: int, observed: np.ndarray | None
) -> np.ndarray:
    t = units.shape[1]
    if observed is None:
        # Periods before the first sale are zeros, so the plain sum needs no mask.
        n_active = np.clip(t - np.maximum(start, lo), 1, None)
        mean = units[:, lo:].sum(axis=1, dtype=np.float64) / n_active
        return np.repeat(mean[:, None], horizon, axis=1)
    seen = _seen(units, start, observed)[:, lo:]
    recent = np.where(seen, units[:, lo:], 0.0)
    count = seen.sum(axis=1)
    # A window that is censored throughout falls back to its plain mean since the first sale.
    active = _active(units, start)[:, lo:]
    plain = np.where(active, units[:, lo:], 0.0).sum(axis=1) / np.maximum(active.sum(axis=1), 1)
    mean = np.where(count > 0, recent.sum(axis=1) / np.maximum(count, 1), plain)
    return np.repeat(mean[:, None], horizon, axis=1)


def moving_average(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    window: int,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """Mean of the last ``window`` periods since the first sale."""
    return _window_mean(units, start, horizon, max(units.shape[1] - window, 0), observed)


def historic_average(
    units: np.ndarray, start: np.ndarray, horizon: int, observed: np.ndarray | None = None
) -> np.ndarray:
    """Mean of every period since the first sale: the best answer for stationary noise."""
    return _window_mean(units, start, horizon, 0, observed)


def ses(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    alphas: np.ndarray | None = None,
    observed: np.ndarray | None = None,
    window: int | None = None,
) -> np.ndarray:
    """Simple exponential smoothing with alpha chosen per series from a grid by one-step SSE.

    ``window`` smooths over the last ``window`` periods only (starting from the first of them, or
    from the first sale if later): with the smallest alpha of the grid an older period's weight
    is below 0.2% after 112 periods, so a long daily history costs no more than that.
    """
    grid = _SES_GRID if alphas is None else np.asarray(alphas, np.float64)
    n, t = units.shape
    lo = 0 if window is None else max(t - window, 0)
    begin = np.maximum(start, lo)
    g = grid.astype(np.float32)[None, :]
    level = np.zeros((n, grid.size), np.float32)
    sse = np.zeros((n, grid.size), np.float32)
    err = np.empty_like(level)
    sq = np.empty_like(level)
    for i in range(lo, t):
        y = units[:, i : i + 1].astype(np.float32)
        first = begin == i
        later = begin < i
        if observed is not None:
            later &= observed[:, i]
        np.subtract(y, level, out=err)
        err *= later[:, None]  # no error (and no update) where the period does not count
        np.multiply(err, err, out=sq)
        sse += sq
        err *= g
        level += err
        if first.any():
            level[first] = y[first]
    best = np.argmin(sse, axis=1)
    return np.repeat(level[np.arange(n), best].astype(np.float64)[:, None], horizon, axis=1)


def croston(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    alpha: float = 0.1,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """Croston's method: smoothed demand size over smoothed interval between demands."""
    n, t = units.shape
    size = np.zeros(n)
    interval = np.ones(n)
    last = start.astype(np.float64).copy()
    for i in range(t):
        y = units[:, i].astype(np.float64)
        first = start == i
        size = np.where(first, y, size)
        hit = (start < i) & (y > 0)
        if observed is not None:
            hit &= observed[:, i]
        size = np.where(hit, size + alpha * (y - size), size)
        interval = np.where(hit, interval + alpha * ((i - last) - interval), interval)
        last = np.where(hit, i, last)
    return np.repeat((size / interval)[:, None], horizon, axis=1)


def tsb(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    alpha: float = 0.1,
    beta: float = 0.1,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """Teunter-Syntetos-Babai: demand size times a per-period demand probability.

    Unlike Croston, the probability decays in every period without a sale, so a product that has
    stopped selling is forecast towards zero (but not while it is out of stock: a censored period
    says nothing about demand).
    """
    n, t = units.shape
    size = np.zeros(n)
    prob = np.ones(n)
    for i in range(t):
        y = units[:, i].astype(np.float64)
        first = start == i
        size = np.where(first, y, size)
        later = start < i
        if observed is not None:
            later = later & observed[:, i]
        prob = np.where(later, prob + beta * ((y > 0) - prob), prob)
        hit = later & (y > 0)
        size = np.where(hit, size + alpha * (y - size), size)
    return np.repeat((prob * size)[:, None], horizon, axis=1)


def imapa(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    max_level: int = 8,
    observed: np.ndarray | None = None,
    window: int | None = None,
) -> np.ndarray:
    """IMAPA (intermittent multiple aggregation): the mean over aggregation levels ``k = 1 ..
    K`` of a slow SES (alpha 0.1-0.3 by one-step SSE) on means of ``k``-period blocks.

    ``K`` is each series' mean interval between sales (rounded, at most ``max_level``), so a
    smooth seller is a slow SES and an intermittent one is smoothed over blocks long enough to
    hold a sale. Blocks end at the last period and count from the first sale; a censored period
    is left out of its block's mean. ``window`` limits the history to its last periods.
    """
    n, t = units.shape
    lo0 = 0 if window is None else max(t - window, 0)
    seen_all = _seen(units, start, observed)
    span = np.maximum(seen_all[:, lo0:].sum(axis=1), 1)
    sales = np.maximum((seen_all[:, lo0:] & (units[:, lo0:] > 0)).sum(axis=1), 1)
    levels = np.clip(np.rint(span / sales), 1, max_level).astype(np.int64)
    total = np.zeros((n, horizon))
    for k in range(1, int(levels.max(initial=1)) + 1):
        m = (t - lo0) // k
        rows = levels >= k
        if m < 2 and k > 1:
            levels = np.minimum(levels, k - 1)
            break
        lo = t - m * k
        seen = seen_all[:, lo:]
        sums = np.where(seen, units[:, lo:], 0.0).reshape(n, m, k).sum(axis=2)
        count = seen.reshape(n, m, k).sum(axis=2)
        agg = np.where(count > 0, sums / np.maximum(count, 1), 0.0).astype(np.float32)
        first = np.clip((start - lo) // k, 0, m - 1)
        got = None if observed is None else count > 0
        sub = np.flatnonzero(rows)
        total[sub] += ses(
            agg[sub],
            first[sub],
            horizon,
            alphas=_IMAPA_GRID,
            observed=None if got is None else got[sub],
        )
    return total / levels[:, None]


def linear_trend(
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    window: int,
    observed: np.ndarray | None = None,
    damping: float = _TREND_DAMPING,
) -> np.ndarray:
    """Least-squares line through the last ``window`` periods, extrapolated with a damped slope.

    For a series that grows or declines steadily, every average lags behind; this one does not.
    The slope's contribution after ``k`` steps is ``slope * (phi + ... + phi**k)``.
    """
    t = units.shape[1]
    lo = max(t - window, 0)
    x = np.arange(lo, t, dtype=np.float64)[None, :]
    seen = _seen(units, start, observed)[:, lo:]
    y = np.where(seen, units[:, lo:], 0.0).astype(np.float64)
    count = np.maximum(seen.sum(axis=1), 1)
    x_mean = np.where(seen, x, 0.0).sum(axis=1) / count
    y_mean = y.sum(axis=1) / count
    dx = np.where(seen, x - x_mean[:, None], 0.0)
    sxx = (dx * dx).sum(axis=1)
    slope = np.where(sxx > 0, (dx * (y - y_mean[:, None])).sum(axis=1) / np.maximum(sxx, 1e-12), 0)
    ahead = np.cumsum(damping ** np.arange(1, horizon + 1))
    level = y_mean + slope * (t - 1 - x_mean)
    return level[:, None] + slope[:, None] * ahead[None, :]


def baseline_forecast(
    name: str,
    units: np.ndarray,
    start: np.ndarray,
    horizon: int,
    season: int,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """Dispatch by name; see :data:`BASELINES`. Never negative, never non-finite."""
    table: dict[str, Callable[[], np.ndarray]] = {
        "naive": lambda: naive(units, start, horizon),
        "seasonal_naive": lambda: seasonal_naive(units, start, horizon, season),
        "moving_average": lambda: moving_average(
            units, start, horizon, _MA_WINDOW.get(season, 4 * season), observed
        ),
        "historic_average": lambda: historic_average(units, start, horizon, observed),
        "ses": lambda: ses(
            units, start, horizon, observed=observed, window=_SES_WINDOW.get(season)
        ),
        "croston": lambda: croston(units, start, horizon, observed=observed),
        "tsb": lambda: tsb(units, start, horizon, observed=observed),
        "imapa": lambda: imapa(
            units, start, horizon, observed=observed, window=_SES_WINDOW.get(season)
        ),
        "linear_trend": lambda: linear_trend(
            units, start, horizon, _TREND_WINDOW.get(season, 2 * season), observed
        ),
    }
    if name not in table:
        raise ValueError(f"unknown baseline {name!r}; expected one of {BASELINES}")
    return np.maximum(np.nan_to_num(table[name](), nan=0.0, posinf=0.0, neginf=0.0), 0.0)
