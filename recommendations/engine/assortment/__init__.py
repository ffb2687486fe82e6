"""Assortment recommender: which products a store should add (and drop), and why.

Django-free: takes plain frames in the sales schema, returns plain frames. See docs/assortment.md.
"""

from .matrices import SalesMatrices, build_matrices
from .metrics import (
    capped_recall_at_k,
    evaluate_rankings,
    holdout_pairs,
    ndcg_at_k,
    recall_at_k,
)
from .model import AssortmentModel, AssortmentParams, fit_assortment
from .plain import PlainData, read_plain_dir
from .recommend import RESULT_COLUMNS, cold_start, recommend, score_stores

__all__ = [
    "RESULT_COLUMNS",
    "AssortmentModel",
    "AssortmentParams",
    "PlainData",
    "SalesMatrices",
    "build_matrices",
    "capped_recall_at_k",
    "cold_start",
    "evaluate_rankings",
    "fit_assortment",
    "holdout_pairs",
    "ndcg_at_k",
    "read_plain_dir",
    "recall_at_k",
    "recommend",
    "score_stores",
]
