"""What each series is served: the global model, a baseline, or a blend, chosen on validation.

No single method wins everywhere: a global model learns promotions and seasonality that a
smoothing method cannot, while a plain average is hard to beat on a stationary slow mover or a
series with a few periods of history. So the choice is not a constant of the code. Inside every
fit, the last ``horizon`` periods are held out; the global model trained without them and every
candidate baseline forecast them; series are grouped into segments by what is known at the origin
(volume band, intermittency, history length), and each segment serves the blend
``w * global + (1 - w) * baseline`` with the lowest revenue-weighted RMSSE on its series. A segment
with too few series to judge takes the choice pooled over all series.

The same module guards what is served: a forecast that is non-finite, negative or absurd (above
:data:`GUARD_MULTIPLE` times the series' highest period ever) is replaced, for that whole series,
by the best baseline of its segment, and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
)
#: Shares of the global model tried in a blend, most global first (ties go to the earlier).
GLOBAL_WEIGHTS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25, 0.0)
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
        return names | set(self.fallback)


def _rmsse(actual: np.ndarray, forecast: np.ndarray, scale_sq: np.ndarray, seen: np.ndarray):
    err = np.where(seen, (actual - forecast) ** 2, 0.0).sum(axis=1)
    n = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(n > 0, np.sqrt(err / np.maximum(n, 1) / scale_sq), np.nan)


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
) -> Selection:
    """Choose a blend per segment on validation arrays (all [n, H] but the per-series ones)."""
    seen = np.ones(actual.shape, bool) if seen is None else seen
    names = [b for b in CANDIDATES if b in baselines]
    blends: list[Blend] = []
    if global_mean is not None:
        blends.append(GLOBAL_ONLY)
        blends += [Blend(b, w) for w in GLOBAL_WEIGHTS[1:] for b in names]
    else:
        blends += [Blend(b, 0.0) for b in names]
    n_seg = segments.n_segments
    ok_series = np.isfinite(scale_sq) & (weights > 0) & seen.any(axis=1)
    w = np.where(ok_series, weights, 0.0)
    loss = np.full((len(blends), n_seg), np.inf)
    pooled = np.full(len(blends), np.inf)
    per_series: list[np.ndarray] = []
    for i, option in enumerate(blends):
        fc = blend(option, global_mean, baselines)
        r = _rmsse(actual, fc, scale_sq, seen)
        good = ok_series & np.isfinite(r)
        r = np.where(good, r, 0.0)
        per_series.append(r)
        # A blend that is non-finite on any weighted series is never chosen for its segment.
        bad = np.bincount(codes, weights=(ok_series & ~good).astype(float), minlength=n_seg)
        num = np.bincount(codes, weights=w * r, minlength=n_seg)
        den = np.bincount(codes, weights=w, minlength=n_seg)
        with np.errstate(invalid="ignore", divide="ignore"):
            loss[i] = np.where((den > 0) & (bad == 0), num / den, np.inf)
        pooled[i] = np.sum(w * r) / np.sum(w) if np.sum(w) > 0 and bad.sum() == 0 else np.inf
    counts = np.bincount(codes, weights=ok_series.astype(float), minlength=n_seg)
    stacked = np.stack(per_series)
    best_pooled = _pick(loss_of=pooled)
    alone = [i for i, b in enumerate(blends) if b.weight <= 0.0]
    serve, fallback = [], []
    for g in range(n_seg):
        judged = counts[g] >= MIN_SEGMENT_SERIES and np.isfinite(loss[:, g]).any()
        pick = best_pooled
        if judged:
            pick = _pick(loss_of=loss[:, g])
        serve.append(blends[pick])
        col = loss[alone, g] if judged else pooled[alone]
        fallback.append(blends[alone[int(np.argmin(col))]].baseline or names[0])
    pick_of_segment = np.array([blends.index(b) for b in serve], np.int64)
    chosen = pick_of_segment[codes]
    served_r = stacked[chosen, np.arange(codes.size)]
    total = np.sum(w)
    by: dict[str, int] = {}
    for g, n in enumerate(np.bincount(codes[ok_series], minlength=n_seg)):
        if n:
            by[serve[g].label] = by.get(serve[g].label, 0) + int(n)
    return Selection(
        segments=segments,
        serve=tuple(serve),
        fallback=tuple(fallback),
        pooled=blends[best_pooled],
        global_wrmsse=float(pooled[0]) if global_mean is not None else float("nan"),
        served_wrmsse=float(np.sum(w * served_r) / total) if total > 0 else float("nan"),
        served_by=by,
    )


def _pick(*, loss_of: np.ndarray) -> int:
    """The blend (index) with the lowest loss; ties go to the earlier (more global) one."""
    return int(np.argmin(loss_of)) if np.isfinite(loss_of).any() else 0


def blend(
    blend: Blend, global_mean: np.ndarray | None, baselines: Mapping[str, np.ndarray]
) -> np.ndarray:
    if blend.baseline is None or blend.weight >= 1.0:
        assert global_mean is not None
        return global_mean
    base = baselines[blend.baseline]
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
    fallback = _per_segment(codes, [base[b] for b in selection.fallback], horizon)
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
