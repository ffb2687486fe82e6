"""Helpers shared by the order tests: read stock, walk an order to a status."""

from __future__ import annotations

from typing import Any

from replenishment import services
from replenishment.models import ReplenishmentOrder, WarehouseStock

Status = ReplenishmentOrder.Status

# The legal path from draft to each status (through the services, as the apps would).
PATHS: dict[str, list[str]] = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.CONFIRMED: [Status.SUBMITTED, Status.CONFIRMED],
    Status.PICKING: [Status.SUBMITTED, Status.CONFIRMED, Status.PICKING],
    Status.SHIPPED: [Status.SUBMITTED, Status.CONFIRMED, Status.PICKING, Status.SHIPPED],
    Status.DELIVERED: [
        Status.SUBMITTED,
        Status.CONFIRMED,
        Status.PICKING,
        Status.SHIPPED,
        Status.DELIVERED,
    ],
    Status.RECEIVED: [
        Status.SUBMITTED,
        Status.CONFIRMED,
        Status.PICKING,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.RECEIVED,
    ],
    Status.CANCELLED: [Status.SUBMITTED, Status.CANCELLED],
    Status.REJECTED: [Status.SUBMITTED, Status.REJECTED],
}


def wh_stock(warehouse: Any, product: Any) -> WarehouseStock:
    return WarehouseStock.objects.get(warehouse=warehouse, product=product)


def transition(order: ReplenishmentOrder, to: str, user: Any = None) -> ReplenishmentOrder:
    """Move `order` to `to` through the service that owns that transition."""
    if to == Status.SUBMITTED:
        return services.order_submit(order=order, user=user).order
    if to == Status.CONFIRMED:
        return services.order_confirm(order=order, user=user)
    if to == Status.PICKING:
        return services.order_start_picking(order=order, user=user)
    if to == Status.SHIPPED:
        return services.order_ship(order=order, user=user)
    if to == Status.DELIVERED:
        return services.order_deliver(order=order, user=user)
    if to == Status.RECEIVED:
        return services.order_receive(order=order, user=user)
    if to == Status.CANCELLED:
        return services.order_cancel(order=order, user=user)
    if to == Status.REJECTED:
        return services.order_reject(order=order, user=user, reason="out of trucks")
    raise ValueError(to)


def walk(order: ReplenishmentOrder, status: str, user: Any = None) -> ReplenishmentOrder:
    """Walk `order` from where it stands to `status` along the legal path."""
    path = PATHS[status]
    if order.status in path:
        path = path[path.index(order.status) + 1 :]
    for step in path:
        order = transition(order, step, user)
    return order
