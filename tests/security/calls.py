"""The calls the matrix makes: path parameters pointing at the world's objects, and a valid body
for every write (the owner's call must succeed with it, so a refusal is never a bad request)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from .routes import Route
from .world import Status, StoreObjects, World


def path_kwargs(
    w: World, route: Route, objs: StoreObjects | None = None, shopper: str = "sam"
) -> dict[str, int]:
    """Path parameters of `route` pointing at `objs`' objects (Alice's by default), or at the
    given shopper's objects on shopper routes."""
    o = objs or w.a
    so = o.shopper_orders
    own = (w.b if shopper == "tess" else w.a).shopper_orders
    order_for = {
        "store-order": o.orders[Status.DRAFT],
        "store-order-quote": o.orders[Status.DRAFT],
        "store-order-submit": o.orders[Status.DRAFT],
        "store-order-cancel": o.orders[Status.DRAFT],
        "store-order-receive": o.orders[Status.DELIVERED],
        "warehouse-order": o.orders[Status.SUBMITTED],
        "warehouse-order-confirm": o.orders[Status.SUBMITTED],
        "warehouse-order-reject": o.orders[Status.SUBMITTED],
        "warehouse-order-pick": o.orders[Status.CONFIRMED],
        "warehouse-order-ship": o.orders[Status.PICKING],
        "warehouse-order-deliver": o.orders[Status.SHIPPED],
        "store-shopper-order-detail": so["placed"],
        "store-shopper-order-accept": so["placed"],
        "store-shopper-order-decline": so["placed"],
        "store-shopper-order-ready": so["accepted"],
        "store-shopper-order-out-for-delivery": so["ready_delivery"],
        "store-shopper-order-delivered": so["out_for_delivery"],
        "store-shopper-order-picked-up": so["ready_pickup"],
        "shopper-order-detail": own["placed"],
        "shopper-order-cancel": own["placed"],
    }
    suggestion_for = {
        "purchase-suggestion-dismiss": o.suggestion,
        "assortment-accept": o.assortment,
        "assortment-dismiss": o.assortment,
    }
    values = {
        "store_id": lambda: o.store.pk,
        "fixture_id": lambda: o.fixture.pk,
        "product_id": lambda: o.product.pk,
        "order_id": lambda: order_for[route.name].pk,
        "suggestion_id": lambda: suggestion_for[route.name].pk,
        "address_id": lambda: (w.tess if shopper == "tess" else w.sam).extra.pk,
    }
    try:
        return {p: values[p]() for p in route.params}
    except KeyError as exc:
        raise AssertionError(
            f"{route.name}: no object for path parameter {exc}; add one in tests/security/world.py"
        ) from None


def request_body(
    w: World, route: Route, method: str, objs: StoreObjects | None = None
) -> dict[str, Any] | None:
    """A valid body for the call (the owner's call must succeed with it)."""
    o = objs or w.a
    now = timezone.now()
    bodies: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
        ("store-detail", "patch"): lambda: {"name": "新名字"},
        ("fixture-list", "post"): lambda: {"name": "新货架", "width_cm": 90},
        ("fixture-detail", "patch"): lambda: {"width_cm": 100},
        ("stock-count", "post"): lambda: {"product": o.product.pk, "counted": 7},
        ("stock-waste", "post"): lambda: {
            "product": o.product.pk,
            "quantity": 1,
            "note": "过期",
        },
        ("sales-receipts", "post"): lambda: {
            "receipts": [
                {
                    "uuid": str(uuid.uuid4()),
                    "occurred_at": now.isoformat(),
                    "lines": [{"product": o.product.pk, "quantity": 1, "unit_price": "3.50"}],
                }
            ]
        },
        ("store-orders", "post"): lambda: {"lines": [{"product": o.product.pk, "quantity": 12}]},
        ("store-order", "patch"): lambda: {"note": "改一下"},
        ("store-order-submit", "post"): dict,
        ("store-order-cancel", "post"): dict,
        ("store-order-receive", "post"): dict,
        ("purchase-suggestions-accept", "post"): lambda: {"lines": [{"id": o.suggestion.pk}]},
        ("purchase-suggestion-dismiss", "post"): lambda: {"reason": "不要"},
        ("purchase-settings", "put"): lambda: {"budget": "800.00"},
        ("shelf-layout", "put"): lambda: {
            "items": [{"product": o.product.pk, "level": 2, "facings": 1}]
        },
        ("assortment-accept", "post"): dict,
        ("assortment-dismiss", "post"): dict,
        ("store-shopper-order-accept", "post"): lambda: {
            "estimated_at": (now + dt.timedelta(hours=1)).isoformat()
        },
        ("store-shopper-order-decline", "post"): lambda: {"reason": "售罄"},
        ("store-shopper-order-ready", "post"): dict,
        ("store-shopper-order-out-for-delivery", "post"): dict,
        ("store-shopper-order-delivered", "post"): dict,
        ("store-shopper-order-picked-up", "post"): dict,
        ("shopper-addresses", "post"): lambda: {
            "address": "文三路1号",
            "latitude": "30.280000",
            "longitude": "120.155100",
        },
        ("shopper-address-detail", "patch"): lambda: {"label": "公司"},
        ("shopper-orders", "post"): lambda: {
            "store": o.store.pk,
            "fulfilment": "pickup",
            "lines": [{"product": o.product.pk, "quantity": 1}],
        },
        ("shopper-quote", "post"): lambda: {
            "store": o.store.pk,
            "fulfilment": "pickup",
            "lines": [{"product": o.product.pk, "quantity": 1}],
        },
        ("shopper-order-cancel", "post"): dict,
        ("warehouse-orders-bulk-status", "post"): lambda: {
            "items": [{"order": o.orders[Status.SUBMITTED].pk, "action": "confirm"}]
        },
        ("warehouse-order-confirm", "post"): dict,
        ("warehouse-order-pick", "post"): dict,
        ("warehouse-order-ship", "post"): dict,
        ("warehouse-order-deliver", "post"): dict,
        ("warehouse-order-reject", "post"): lambda: {"reason": "没车了"},
    }
    if method in ("get", "delete"):
        return None
    if (route.name, method) not in bodies:
        raise AssertionError(
            f"{route.name} {method.upper()}: no request body; add a valid one in "
            "tests/security/world.py"
        )
    return bodies[(route.name, method)]()
