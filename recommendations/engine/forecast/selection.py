"""What each series is served: the global model, a baseline, or a blend, chosen on validation.

No single method wins everywhere: a global model learns promotions and seasonality that a
smoothing method cannot, while a plain average is hard to beat on a stationary slow mover or a
series with a few periods of history. So the choice is not a constant of the code. Inside every
fit, the last ``horizon`` periods are held out; the global model trained without them and every
candidate baseline (and the mean of every pair of baselines) forecast them, and the baselines
also forecast up to two earlier windows of ``horizon`` periods. Series are grouped into segments
by what is known at the origin (volume band, intermittency, history length). Each segment takes
the baseline with the lowest revenue-weighted RMSSE over those windows (the one pooled over all
series unless its own is clearly better on its series), then the blend
``w * global + (1 - w) * baseline`` that is lowest on the last window. A segment with too few
series to judge takes the choice pooled over all series.

The same module guards what is served: a forecast that is non-finite, negative or absurd (above
:data:`GUARD_MULTIPLE` times the series' highest period ever) is replaced, for that whole series,
by the best baseline of its segment, and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .baselines import baseline_forecast

#: Baselines a segment may be served by (alone or blended with the global model). Croston is
#: left out: TSB answers the same intermittent series and also decays for a line that stopped.
CANDIDATES: tuple[str, ...] = (
    "historic_average",
    "moving_average",
    "ses",
    "tsb",
    "seasonal_naive",
    "imapa",
    "linear_trend",
)
#: Shares of the global model tried in a blend, most global first (ties go to the earlier).
GLOBAL_WEIGHTS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25, 0.0)
#: A segment departs from the choice pooled over all series only when its own choice is better
#: on the segment's series by more than this many standard errors of the paired difference.
CHOICE_Z = 2.0
#: Fewer validation series than this with a revenue weight and a segment takes the pooled choice.
MIN_SEGMENT_SERIES = 30
#: A forecast above this multiple of the series' highest period ever is taken as absurd.
GUARD_MULTIPLE = 10.0
#: Share of periods without a sale that separates smooth, intermittent and lumpy sellers.
ZERO_SHARE_EDGES = (0.3, 0.7)
#: Volume bands: quantiles of the series' level among the validation series.
LEVEL_QUANTILES = (1 / 3, 2 / 3)


@dataclass(frozen=True)
class Blend:
    """``weight * global + (1 - weight) * baseline`` (``baseline`` None: the global alone)."""

    baseline: str | None
    weight: float

    @property
    def label(self) -> str:
        if self.baseline is None or self.weight >= 1.0:
            return "global"
        if self.weight <= 0.0:
            return self.baseline
        return f"{self.weight:.2f} global + {1 - self.weight:.2f} {self.baseline}"


GLOBAL_ONLY = Blend(None, 1.0)


@dataclass(frozen=True, eq=False)
class Segments:
    """Assigns series to segments from their history before an origin.

    ``level_edges`` are in units, learnt on the chain the model is fit for (quantiles, so they
    scale with its units); the other bands are in periods and shares.
    """

    level_edges: np.ndarray
    age_edges: tuple[int, int]
    window: int

    @property
    def n_segments(self) -> int:
        return (self.level_edges.size + 1) * (len(ZERO_SHARE_EDGES) + 1) * (len(self.age_edges) + 1)

    @staticmethod
    def describe(units: np.ndarray, start: np.ndarray, observed: np.ndarray | None, window: int):
        """(level, zero share, age) of each series over its last ``window`` periods."""
        t = units.shape[1]
        lo = max(t - window, 0)
        active = np.arange(lo, t)[None, :] >= start[:, None]
        seen = active if observed is None else active & observed[:, lo:]
        recent = units[:, lo:]
        n = seen.sum(axis=1)
        level = np.where(seen, recent, 0.0).sum(axis=1) / np.maximum(n, 1)
        zero = np.where(seen, recent <= 0, False).sum(axis=1) / np.maximum(n, 1)
        return level, zero, t - start

    @classmethod
    def fit(
        cls,
        units: np.ndarray,
        start: np.ndarray,
        observed: np.ndarray | None,
        *,
        window: int,
        age_edges: tuple[int, int],
    ) -> Segments:
        level, _zero, _age = cls.describe(units, start, observed, window)
        edges = np.unique(np.quantile(level, LEVEL_QUANTILES)) if level.size else np.array([])
        return cls(level_edges=edges, age_edges=age_edges, window=window)

    def assign(
        self, units: np.ndarray, start: np.ndarray, observed: np.ndarray | None
    ) -> np.ndarray:
        level, zero, age = self.describe(units, start, observed, self.window)
        v = np.searchsorted(self.level_edges, level, side="right")
        z = np.searchsorted(np.asarray(ZERO_SHARE_EDGES), zero, side="right")
        a = np.searchsorted(np.asarray(self.age_edges), age, side="right")
        nz, na = len(ZERO_SHARE_EDGES) + 1, len(self.age_edges) + 1
        return ((v * nz + z) * na + a).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Selection:
    """The blend each segment serves, and the baseline that replaces a guarded series."""

    segments: Segments
    serve: tuple[Blend, ...]  # per segment
    fallback: tuple[str, ...]  # per segment: the best baseline alone
    pooled: Blend
    #: Validation WRMSSE of the global model alone and of what is served, for the run's record.
    global_wrmsse: float = float("nan")
    served_wrmsse: float = float("nan")
    served_by: Mapping[str, int] = field(default_factory=dict)  # validation series per label

    def baselines_needed(self) -> set[str]:
        names = {b.baseline for b in self.serve if b.baseline and b.weight < 1.0}
        return {part for name in names | set(self.fallback) for part in name.split(PAIR)}


#: Joins the names of two baselines served as their equal-weight mean ("historic_average+ses").
PAIR = "+"


def combined(name: str, baselines: Mapping[str, np.ndarray]) -> np.ndarray:
    """The forecast of candidate ``name``: one baseline, or the mean of two joined by ``+``."""
    parts = name.split(PAIR)
    if len(parts) == 1:
        return baselines[name]
    return 0.5 * (baselines[parts[0]] + baselines[parts[1]])


@dataclass(frozen=True, eq=False)
class Window:
    """One validation window: its actuals and every candidate baseline's forecast of them.

    Arrays are [n, H] (``scale_sq``, ``weights`` and ``codes`` are [n]) over the series live at
    that window's origin; ``codes`` are their segments from the history before it.
    """

    actual: np.ndarray
    baselines: Mapping[str, np.ndarray]
    scale_sq: np.ndarray
    weights: np.ndarray
    codes: np.ndarray
    seen: np.ndarray | None = None


def _rmsse(actual: np.ndarray, forecast: np.ndarray, scale_sq: np.ndarray, seen: np.ndarray):
    err = np.where(seen, (actual - forecast) ** 2, 0.0).sum(axis=1)
    n = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(n > 0, np.sqrt(err / np.maximum(n, 1) / scale_sq), np.nan)


@dataclass
class _Loss:
    """Revenue-weighted RMSSE sums per segment, accumulated over windows."""

    n_seg: int
    num: np.ndarray = field(init=False)
    den: np.ndarray = field(init=False)
    bad: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.num, self.den = np.zeros(self.n_seg), np.zeros(self.n_seg)
        self.bad, self.count = np.zeros(self.n_seg), np.zeros(self.n_seg)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (r, w, codes)

    def add(self, window: Window, forecast: np.ndarray) -> np.ndarray:
        """Add one window's errors; returns the per-series RMSSE (0 where not judged)."""
        seen = np.ones(window.actual.shape, bool) if window.seen is None else window.seen
        ok = np.isfinite(window.scale_sq) & (window.weights > 0) & seen.any(axis=1)
        r = _rmsse(window.actual, forecast, window.scale_sq, seen)
        good = ok & np.isfinite(r)
        r = np.where(good, r, 0.0)
        w = np.where(ok, window.weights, 0.0)
        # Normalised per window so every window counts alike whatever its revenue.
        w = w / w.sum() if w.sum() > 0 else w
        codes = window.codes
        self.num += np.bincount(codes, weights=w * r, minlength=self.n_seg)
        self.den += np.bincount(codes, weights=w, minlength=self.n_seg)
        self.bad += np.bincount(codes, weights=(ok & ~good).astype(float), minlength=self.n_seg)
        self.count += np.bincount(codes, weights=ok.astype(float), minlength=self.n_seg)
        self.parts.append((r, w, codes))
        return r

    def beats(self, other: _Loss, segment: int | None) -> bool:
        """Whether this loss is below ``other``'s on ``segment`` (None: all series) by more than
        :data:`CHOICE_Z` standard errors of the paired per-series difference."""
        d_all, w_all = [], []
        for (r, w, codes), (r2, _w2, _c2) in zip(self.parts, other.parts, strict=True):
            rows = slice(None) if segment is None else codes == segment
            d_all.append(r[rows] - r2[rows])
            w_all.append(w[rows])
        d, w = np.concatenate(d_all), np.concatenate(w_all)
        total = w.sum()
        if total <= 0:
            return False
        mean = float(np.sum(w * d) / total)
        se = float(np.sqrt(np.sum((w * (d - mean)) ** 2)) / total)
        return mean < -CHOICE_Z * se

    def per_segment(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((self.den > 0) & (self.bad == 0), self.num / self.den, np.inf)

    def pooled(self) -> float:
        den = self.den.sum()
        return float(self.num.sum() / den) if den > 0 and self.bad.sum() == 0 else np.inf


def choose(
    *,
    actual: np.ndarray,
    global_mean: np.ndarray | None,
    baselines: Mapping[str, np.ndarray],
    scale_sq: np.ndarray,
    weights: np.ndarray,
    codes: np.ndarray,
    segments: Segments,
    seen: np.ndarray | None = None,
    earlier: Sequence[Window] = (),
) -> Selection:
    """Choose a blend per segment on validation arrays (all [n, H] but the per-series ones).

    Two stages. First the baseline of each segment: among the candidates and the means of
    every pair of them, the lowest loss over the last window and the ``earlier`` ones
    (baselines are cheap to run at several origins, and more windows make the choice less
    noisy); a segment departs from the choice pooled over all series only when its own is
    better on its series by more than :data:`CHOICE_Z` standard errors. Then, on the last
    window alone (the global model trained on everything before it), the share of the global
    model in ``w * global + (1 - w) * baseline``.
    """
    last = Window(actual, baselines, scale_sq, weights, codes, seen)
    windows = (last, *earlier)
    single = [b for b in CANDIDATES if b in baselines and all(b in w.baselines for w in earlier)]
    # Every pair's mean is a candidate too: two methods that err differently (an average that
    # lags, a smoother that chases noise) often do better together than either alone.
    names = single + [a + PAIR + b for a, b in combinations(single, 2)]
    n_seg = segments.n_segments
    base_loss = []
    for b in names:
        acc = _Loss(n_seg)
        for w in windows:
            acc.add(w, combined(b, w.baselines))
        base_loss.append(acc)
    seg_loss = np.stack([a.per_segment() for a in base_loss])  # [baselines, segments]
    pooled_loss = np.array([a.pooled() for a in base_loss])
    judged = last_counts(codes, last, n_seg) >= MIN_SEGMENT_SERIES
    best_pooled = int(np.argmin(pooled_loss)) if names else 0
    best = []
    for g in range(n_seg):
        chosen = best_pooled
        if judged[g] and np.isfinite(seg_loss[:, g]).any():
            own = int(np.argmin(seg_loss[:, g]))
            if own != best_pooled and base_loss[own].beats(base_loss[best_pooled], g):
                chosen = own
        best.append(chosen)
    fallback = tuple(names[i] for i in best)
    if global_mean is None:
        serve = tuple(Blend(names[i], 0.0) for i in best)
        pooled = Blend(names[best_pooled], 0.0)
        g_wrmsse = float("nan")
    else:
        # On the last window, the only one the global model did not train on: the global model,
        # a blend with a baseline, or the baseline alone. The pooled choice (many series) may
        # blend with any single baseline; a segment (fewer series) only with its own baseline,
        # so that noise has fewer options to pick from.
        partners = sorted({best_pooled, *best, *range(len(single))})
        shares: dict[int, list[_Loss]] = {}  # per baseline: one loss per global share
        for i in partners:
            shares[i] = []
            for wt in GLOBAL_WEIGHTS:
                acc = _Loss(n_seg)
                acc.add(last, blend(Blend(names[i], wt), global_mean, baselines))
                shares[i].append(acc)
        alone = len(GLOBAL_WEIGHTS) - 1
        mixes = [(i, k) for k in range(alone) for i in partners]

        def share(segment: int | None, own: int) -> Blend:
            if segment is None:
                options = [*mixes, (own, alone)]
                loss = [shares[i][k].pooled() for i, k in options]
            else:
                options = [(own, k) for k in range(len(GLOBAL_WEIGHTS))]
                loss = [shares[i][k].per_segment()[segment] for i, k in options]
            i, k = options[_pick(loss_of=np.array(loss))]
            return GLOBAL_ONLY if GLOBAL_WEIGHTS[k] >= 1.0 else Blend(names[i], GLOBAL_WEIGHTS[k])

        pooled = share(None, best_pooled)
        serve = tuple(share(g, best[g]) if judged[g] else pooled for g in range(n_seg))
        g_wrmsse = shares[best_pooled][0].pooled()
    served_acc = _Loss(n_seg)
    served_fc = np.empty(actual.shape)
    for g in np.unique(codes):
        rows = codes == g
        served_fc[rows] = blend(serve[g], global_mean, baselines)[rows]
    served_acc.add(last, served_fc)
    by: dict[str, int] = {}
    ok_series = np.isfinite(scale_sq) & (weights > 0)
    for g, n in enumerate(np.bincount(codes[ok_series], minlength=n_seg)):
        if n:
            by[serve[g].label] = by.get(serve[g].label, 0) + int(n)
    return Selection(
        segments=segments,
        serve=serve,
        fallback=fallback,
        pooled=pooled,
        global_wrmsse=g_wrmsse,
        served_wrmsse=served_acc.pooled(),
        served_by=by,
    )


def last_counts(codes: np.ndarray, last: Window, n_seg: int) -> np.ndarray:
    ok = np.isfinite(last.scale_sq) & (last.weights > 0)
    return np.bincount(codes, weights=ok.astype(float), minlength=n_seg)


def _pick(*, loss_of: np.ndarray) -> int:
    """The blend (index) with the lowest loss; ties go to the earlier (more global) one."""
    return int(np.argmin(loss_of)) if np.isfinite(loss_of).any() else 0


def blend(
    blend: Blend, global_mean: np.ndarray | None, baselines: Mapping[str, np.ndarray]
) -> np.ndarray:
    if blend.baseline is None or blend.weight >= 1.0:
        assert global_mean is not None
        return global_mean
    base = combined(blend.baseline, baselines)
    if blend.weight <= 0.0 or global_mean is None:
        return base
    return blend.weight * global_mean + (1.0 - blend.weight) * base


def guard(
    mean: np.ndarray, replacement: np.ndarray, highest: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the series whose forecast is non-finite, negative or absurd; return (mean, which).

    ``highest`` is each series' highest period ever (units); absurd is above
    :data:`GUARD_MULTIPLE` times it (a series that never sold more than 3 a day is not forecast
    at 300).
    """
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(mean) | (mean < 0) | (mean > GUARD_MULTIPLE * highest[:, None])
    rows = bad.any(axis=1)
    if not rows.any():
        return mean, rows
    out = mean.copy()
    out[rows] = replacement[rows]
    return out, rows


def serve(
    selection: Selection,
    *,
    global_mean: np.ndarray | None,
    units: np.ndarray,
    start: np.ndarray,
    observed: np.ndarray | None,
    horizon: int,
    season: int,
) -> tuple[np.ndarray, int]:
    """What each series is served from history ``units`` (before the origin); (mean, guarded)."""
    codes = selection.segments.assign(units, start, observed)
    need = selection.baselines_needed()
    base = {b: baseline_forecast(b, units, start, horizon, season, observed) for b in need}
    fallback = _per_segment(codes, [combined(b, base) for b in selection.fallback], horizon)
    rows = np.zeros(codes.size, bool)
    if global_mean is not None:
        highest = np.max(units, axis=1, initial=0.0).astype(np.float64)
        global_mean, rows = guard(global_mean, fallback, np.maximum(highest, 1e-9))
    served = _per_segment(codes, [blend(b, global_mean, base) for b in selection.serve], horizon)
    # A guarded series is served its segment's best baseline alone, not a blend with it.
    served[rows] = fallback[rows]
    return served, int(rows.sum())


def _per_segment(codes: np.ndarray, options: list[np.ndarray], horizon: int) -> np.ndarray:
    """Row i of ``options[codes[i]]`` for each series i."""
    out = np.empty((codes.size, horizon))
    for g in np.unique(codes):
        rows = codes == g
        out[rows] = options[g][rows]
    return out
