"""Writes with business rules on stores: stock, profile and fixtures, POS sales ingest.

Import services from here (`from stores.services import stock_apply`); the submodules are an
implementation detail.
"""

from .profile import fixture_create, fixture_delete, fixture_update, store_profile_update
from .sales import ReceiptStatus, SalesIngestResult, sales_batch_check_size, sales_ingest
from .stock import MovementSpec, stock_apply, stock_count, stock_waste

__all__ = [
    "MovementSpec",
    "ReceiptStatus",
    "SalesIngestResult",
    "fixture_create",
    "fixture_delete",
    "fixture_update",
    "sales_batch_check_size",
    "sales_ingest",
    "stock_apply",
    "stock_count",
    "stock_waste",
    "store_profile_update",
]
