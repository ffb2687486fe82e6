"""Why a purchase suggestion asks for what it asks: the numbers behind it, as one typed value.

Scoring writes a `PurchaseReason`; `PurchaseSuggestion.reason` (a `PurchaseReasonField`) stores
it as JSON and gives it back typed; the API renders its fields and `explain` turns it into the
owner's sentence. No reader picks fields out of a dict by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

#: What stopped the order short of (or past) the policy's quantity; "" when nothing did.
LIMITS = ("capacity", "shelf_life", "rounded_up", "rounded_down")


@dataclass(frozen=True)
class PurchaseReason:
    weekly_units: float = 0.0  # forecast sales per week
    on_hand: int = 0
    on_order: int = 0  # units on open orders, not yet received
    next_delivery: dt.date | None = None  # when an order placed now arrives
    runs_out_on: dt.date | None = None  # when stock on hand runs out (None: not in sight)
    protection_days: int = 0  # days the stock must last: until the delivery after the next
    order_up_to: int = 0  # target stock over those days
    service_level: float = 0.0  # chance of not running out aimed for
    limited_by: str = ""  # "" or one of LIMITS
    budget_trimmed: bool = False

    def as_json(self) -> dict[str, Any]:
        """The stored form (dates as ISO strings), the same keys the API renders."""
        return {
            "weekly_units": self.weekly_units,
            "on_hand": self.on_hand,
            "on_order": self.on_order,
            "next_delivery": _iso(self.next_delivery),
            "runs_out_on": _iso(self.runs_out_on),
            "protection_days": self.protection_days,
            "order_up_to": self.order_up_to,
            "service_level": self.service_level,
            "limited_by": self.limited_by,
            "budget_trimmed": self.budget_trimmed,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> PurchaseReason:
        """The stored form back; a missing number (a hand-made row) takes its default."""
        r = raw or {}
        return cls(
            weekly_units=float(r.get("weekly_units") or 0.0),
            on_hand=int(r.get("on_hand") or 0),
            on_order=int(r.get("on_order") or 0),
            next_delivery=_date(r.get("next_delivery")),
            runs_out_on=_date(r.get("runs_out_on")),
            protection_days=int(r.get("protection_days") or 0),
            order_up_to=int(r.get("order_up_to") or 0),
            service_level=float(r.get("service_level") or 0.0),
            limited_by=str(r.get("limited_by") or ""),
            budget_trimmed=bool(r.get("budget_trimmed")),
        )

    @classmethod
    def coerce(cls, value: Any) -> PurchaseReason:
        if isinstance(value, cls):
            return value
        if value is None or isinstance(value, Mapping):
            return cls.from_json(value)
        raise TypeError(f"not a purchase reason: {value!r}")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


class _ReasonAttribute(DeferredAttribute):
    """Whatever is assigned (a `PurchaseReason`, its JSON form from the database or a fixture)
    is held as a `PurchaseReason`."""

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = PurchaseReason.coerce(value)


class PurchaseReasonField(models.JSONField):
    """A JSON column holding a `PurchaseReason` (read back typed, whatever was written)."""

    descriptor_class = _ReasonAttribute

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, PurchaseReason):
            value = value.as_json()
        return super().get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        decoded = super().from_db_value(value, expression, connection)
        return PurchaseReason.coerce(decoded) if isinstance(decoded, Mapping) else decoded

    def value_from_object(self, obj: Any) -> Any:
        value = super().value_from_object(obj)
        return value.as_json() if isinstance(value, PurchaseReason) else value

    def validate(self, value: Any, model_instance: Any) -> None:
        if isinstance(value, PurchaseReason):
            value = value.as_json()
        super().validate(value, model_instance)
