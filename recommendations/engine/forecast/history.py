"""Prefix sums of a panel, so any rolling statistic at any origin is two array lookups.

Computing them once per panel makes feature extraction O(rows x features) whatever the window
lengths, which is what lets the global model train on samples drawn from hundreds of origins.
Index ``[s, o]`` of a prefix sum covers periods ``0 .. o-1``: exactly what is known at origin ``o``.

Periods that ended out of stock (``Panel.censored``) are left out of every window statistic: their
sales are a floor of demand, not demand, so a level, a spread or a share of zero-sale periods is
computed over the periods whose demand was seen, and a censored lag is missing (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .panel import Panel


def _prefix(a: np.ndarray, dtype: type) -> np.ndarray:
    out = np.zeros((a.shape[0], a.shape[1] + 1), dtype)
    np.cumsum(a, axis=1, dtype=dtype, out=out[:, 1:])
    return out


@dataclass(frozen=True, eq=False)
class GroupSums:
    """Units summed over the series of each group (store, product, category) and period."""

    codes: np.ndarray  # int [n_series] group of each series
    sums: np.ndarray  # float64 [n_groups, n_obs + 1] prefix sums of group units
    active: np.ndarray  # int32 [n_groups, n_obs + 1] series of the group selling by then

    @classmethod
    def build(cls, codes: np.ndarray, csum: np.ndarray, start: np.ndarray) -> GroupSums:
        n_groups = int(codes.max()) + 1 if codes.size else 0
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
        present = codes[order][bounds]
        sums = np.zeros((n_groups, csum.shape[1]))
        if codes.size:
            sums[present] = np.add.reduceat(csum[order], bounds, axis=0)
        births = np.zeros((n_groups, csum.shape[1]), np.int32)
        # A series is active at prefix index o once o > start (it has sold before the origin).
        np.add.at(births, (codes, np.minimum(start + 1, csum.shape[1] - 1)), 1)
        return cls(codes=codes, sums=sums, active=np.cumsum(births, axis=1, dtype=np.int32))

    def mean(self, s: np.ndarray, o: np.ndarray, w: int) -> np.ndarray:
        """Mean units per active series and period over the ``w`` periods before ``o``."""
        g = self.codes[s]
        lo = np.maximum(o - w, 0)
        total = self.sums[g, o] - self.sums[g, lo]
        n = np.maximum(self.active[g, o], 1) * np.maximum(o - lo, 1)
        return total / n


@dataclass(frozen=True, eq=False)
class History:
    """Prefix sums and last-sale positions of one panel's history."""

    units: np.ndarray  # float32 [n, n_obs]
    start: np.ndarray
    csum: np.ndarray  # float64 [n, n_obs + 1]
    csum_sq: np.ndarray  # float64
    nonzero: np.ndarray  # int32 prefix count of periods with a sale
    last_sale: np.ndarray  # int32 [n, n_obs], index of the latest sale at or before t (-1 none)
    promo: np.ndarray | None  # uint8 [n, n_total] any promotion (planned after the history)
    promo_count: np.ndarray | None  # int32 prefix count of promoted periods
    promo_units: np.ndarray | None  # float64 prefix sums of units in promoted periods
    price_csum: np.ndarray | None  # float64 prefix sums of price paid
    stores: GroupSums
    products: GroupSums
    categories: GroupSums
    #: int32 prefix count of periods on or after the first sale whose demand was seen; None when
    #: nothing is censored (then every period since the first sale counts).
    seen: np.ndarray | None = None
    censored: np.ndarray | None = None  # bool [n, n_obs]
    raw_csum: np.ndarray | None = None  # float64 prefix sums of units, censored periods included

    @classmethod
    def build(
        cls,
        panel: Panel,
        store_codes: np.ndarray,
        product_codes: np.ndarray,
        category_codes: np.ndarray,
    ) -> History:
        raw = panel.units
        idx = np.arange(panel.n_obs, dtype=np.int32)
        last = np.where(raw > 0, idx[None, :], np.int32(-1))
        np.maximum.accumulate(last, axis=1, out=last)
        censored = panel.censored
        seen = None
        y = raw
        if censored is not None:
            y = np.where(censored, np.float32(0.0), raw)
            active = idx[None, :] >= panel.start[:, None]
            seen = _prefix(active & ~censored, np.int32)
        csum = _prefix(y, np.float64)
        promo = panel.promo_any()
        promo_count = promo_units = price_csum = None
        if promo is not None:
            hist_promo = promo[:, : panel.n_obs]
            if censored is not None:
                hist_promo = hist_promo & ~censored
            promo_count = _prefix(hist_promo, np.int32)
            promo_units = _prefix(y * hist_promo, np.float64)
        if panel.price is not None:
            price_csum = _prefix(panel.price[:, : panel.n_obs], np.float64)
        return cls(
            units=raw,
            start=panel.start,
            csum=csum,
            csum_sq=_prefix(np.square(y, dtype=np.float64), np.float64),
            nonzero=_prefix(y > 0, np.int32),
            last_sale=last,
            promo=promo,
            promo_count=promo_count,
            promo_units=promo_units,
            price_csum=price_csum,
            stores=GroupSums.build(store_codes, csum, panel.start),
            products=GroupSums.build(product_codes, csum, panel.start),
            categories=GroupSums.build(category_codes, csum, panel.start),
            seen=seen,
            censored=censored,
            raw_csum=None if censored is None else _prefix(raw, np.float64),
        )

    def active_count(self, s: np.ndarray, o: np.ndarray, w: int) -> np.ndarray:
        """Periods on or after the first sale (and not censored) among the ``w`` before ``o``."""
        if self.seen is not None:
            return self.window(self.seen, s, o, w)
        return np.clip(o - np.maximum(self.start[s], o - w), 0, w)

    def plain_mean(self, s: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Mean units per period from the first sale to ``o``, censored periods included."""
        prefix = self.csum if self.raw_csum is None else self.raw_csum
        return prefix[s, o] / np.maximum(o - self.start[s], 1)

    def window(self, prefix: np.ndarray, s: np.ndarray, o: np.ndarray, w: int) -> np.ndarray:
        return prefix[s, o] - prefix[s, np.maximum(o - w, 0)]

    def mean(self, s: np.ndarray, o: np.ndarray, w: int) -> np.ndarray:
        """Mean units over the ``w`` periods before ``o`` since the first sale (NaN if none)."""
        n = self.active_count(s, o, w)
        total = self.window(self.csum, s, o, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total / n, np.nan)

    def value(self, s: np.ndarray, t: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Units at period ``t`` if known at origin ``o`` (NaN before the first sale, for t >= o and
        for a censored period)."""
        ok = (t >= self.start[s]) & (t >= 0) & (t < o)
        tt = np.clip(t, 0, self.units.shape[1] - 1)
        if self.censored is not None:
            ok &= ~self.censored[s, tt]
        out = self.units[s, tt].astype(np.float64)
        return np.where(ok, out, np.nan)
