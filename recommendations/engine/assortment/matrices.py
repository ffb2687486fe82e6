"""Sparse store x product matrices built from a sales frame in the plain schema.

"Carried" means sold at least once in the last `carried_days` before the latest date of the data
(26 weeks by default; weekly data uses the period-end dates, so 26 weekly periods). Rates are
weekly units over that window, whatever the period of the input (day or week).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

REQUIRED_COLUMNS = ("store_id", "product_id", "date", "units")


@dataclass(frozen=True)
class SalesMatrices:
    store_ids: np.ndarray  # (S,) object, sorted
    product_ids: np.ndarray  # (P,) object, sorted
    carried: sp.csr_matrix  # (S, P) float 0/1: sold in the carried window
    rate: sp.csr_matrix  # (S, P) weekly units over the carried window (> 0 where carried)
    recent_units: sp.csr_matrix  # (S, P) units in the last `recent_days`
    window_weeks: float
    recent_days: int
    end_date: pd.Timestamp


def _coo(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    m = sp.csr_matrix((vals.astype(np.float64), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.eliminate_zeros()
    return m


def build_matrices(
    sales: pd.DataFrame,
    *,
    carried_days: int,
    recent_days: int,
    extra_product_ids: Iterable[object] = (),
) -> SalesMatrices:
    """Aggregate `sales` (store_id, product_id, date, units) into sparse matrices.

    `extra_product_ids` (e.g. the catalog) become columns even if they never sold anywhere.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in sales.columns]
    if missing:
        raise ValueError(f"sales frame lacks columns {missing}")
    if sales.empty:
        raise ValueError("sales frame is empty")
    dates = pd.to_datetime(sales["date"])
    end = dates.max()
    # Factorise first, stringify only the distinct ids: fast on tens of millions of rows.
    s_codes, s_uniques = pd.factorize(sales["store_id"])
    p_codes, p_uniques = pd.factorize(sales["product_id"])
    s_names = np.array([str(x) for x in s_uniques], dtype=object)
    p_names = np.array([str(x) for x in p_uniques], dtype=object)
    extra = np.array([str(p) for p in extra_product_ids], dtype=object)
    store_ids = np.array(sorted(set(s_names)), dtype=object)
    product_ids = np.array(sorted(set(p_names) | set(extra)), dtype=object)
    s_idx = np.searchsorted(store_ids, s_names)[s_codes]
    p_idx = np.searchsorted(product_ids, p_names)[p_codes]
    units = sales["units"].to_numpy(dtype=np.float64)
    shape = (len(store_ids), len(product_ids))

    age_days = (end - dates).dt.days.to_numpy()
    in_window = age_days < carried_days
    window_units = _coo(s_idx[in_window], p_idx[in_window], units[in_window], shape)
    carried = window_units.copy()
    carried.data = (carried.data > 0).astype(np.float64)
    carried.eliminate_zeros()
    window_weeks = carried_days / 7.0
    rate = window_units.multiply(carried).tocsr() / window_weeks
    recent = age_days < recent_days
    recent_units = _coo(s_idx[recent], p_idx[recent], units[recent], shape)
    return SalesMatrices(
        store_ids=store_ids,
        product_ids=product_ids,
        carried=carried.tocsr(),
        rate=sp.csr_matrix(rate),
        recent_units=recent_units,
        window_weeks=window_weeks,
        recent_days=recent_days,
        end_date=end,
    )
