from __future__ import annotations

from typing import Any

from shoppers.models import ShopperOrder
from shoppers.services import OrderLineSpec, order_place


def place(
    shopper: Any, store: Any, *lines: tuple[Any, int], fulfilment: str = "pickup"
) -> ShopperOrder:
    """Place an order through the service: `lines` are (product, quantity)."""
    return order_place(
        shopper=shopper.user,
        store_id=store.pk,
        lines=[OrderLineSpec(p.pk, q) for p, q in lines],
        fulfilment=fulfilment,
        address_id=shopper.address.pk if fulfilment == "delivery" else None,
    )


def order_body(
    store: Any, *lines: tuple[Any, int], fulfilment: str = "pickup", address: Any = None
) -> dict:
    body: dict[str, Any] = {
        "store": store.pk,
        "fulfilment": fulfilment,
        "lines": [{"product": p.pk, "quantity": q} for p, q in lines],
    }
    if address is not None:
        body["address"] = address.pk
    return body
