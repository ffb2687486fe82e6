"""Writes with business rules on stores: stock, profile and fixtures, POS sales ingest.

Import services from here (`from stores.services import stock_apply`); the submodules are an
implementation detail.
"""

from .profile import (
    MAX_DELIVERY_RADIUS_KM,
    fixture_create,
    fixture_delete,
    fixture_update,
    store_profile_update,
)
from .reservation import InsufficientStock, stock_release, stock_reserve
from .sales import (
    ReceiptStatus,
    Sale,
    SaleLine,
    SalesIngestResult,
    sales_batch_check_size,
    sales_ingest,
    sales_invalid,
    sales_record,
    sales_unknown_products,
)
from .stock import MovementSpec, stock_apply, stock_count, stock_waste

__all__ = [
    "MAX_DELIVERY_RADIUS_KM",
    "InsufficientStock",
    "MovementSpec",
    "ReceiptStatus",
    "Sale",
    "SaleLine",
    "SalesIngestResult",
    "fixture_create",
    "fixture_delete",
    "fixture_update",
    "sales_batch_check_size",
    "sales_ingest",
    "sales_invalid",
    "sales_record",
    "sales_unknown_products",
    "stock_apply",
    "stock_count",
    "stock_release",
    "stock_reserve",
    "stock_waste",
    "store_profile_update",
]
