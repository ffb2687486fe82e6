"""Warehouses, their stock, and the replenishment orders stores place with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import MONEY
from lst.models import TimeStampedModel
from stores.models import DEFAULT_TZ


def default_delivery_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5]  # Monday..Saturday; ISO weekday - 1, as Python's date.weekday()


class Warehouse(TimeStampedModel):
    """A dedicated warehouse serving a few thousand stores.

    An order placed before `cutoff_time` (warehouse-local) on day D can arrive `lead_time_days`
    later, on the first of `delivery_weekdays` (0 = Monday) from then on.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    timezone = models.CharField(max_length=64, default=DEFAULT_TZ)
    lead_time_days = models.PositiveSmallIntegerField(default=1)
    cutoff_time = models.TimeField(default=dt.time(18, 0))
    delivery_weekdays = models.JSONField(default=default_delivery_weekdays)
    min_order_value = models.DecimalField(
        **MONEY, default=Decimal("300.00"), validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_order_value__gte=0), name="warehouse_min_order_value_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WarehouseStock(TimeStampedModel):
    """Units of a product in a warehouse. `reserved` is promised to submitted orders and never
    exceeds `on_hand`; the database holds that invariant, whatever the code does."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    unit_cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["warehouse_id", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product"], name="warehouse_stock_unique_product"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="wh_stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="wh_stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="wh_stock_reserved_lte_on_hand"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="wh_stock_unit_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.product_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReplenishmentOrder(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CONFIRMED = "confirmed", _("Confirmed")
        PICKING = "picking", _("Picking")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="replenishment_orders"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    submitted_at = models.DateTimeField(null=True, blank=True)
    promised_delivery_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    reject_reason = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["warehouse", "status"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.store_id} {self.status}"


class ReplenishmentOrderLine(TimeStampedModel):
    """`quantity` is what the store asked for (units, whole case packs); `quantity_reserved` what
    the warehouse promised at submit (and later shipped); `quantity_received` what arrived in good
    condition and went into store stock. The discrepancy of a delivery is recorded on the line:
    `quantity_damaged` arrived unusable, `quantity_short` never arrived
    (reserved - received - damaged), with the owner's `discrepancy_note`."""

    order = models.ForeignKey(ReplenishmentOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_reserved = models.PositiveIntegerField(default=0)
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    quantity_damaged = models.PositiveIntegerField(default=0)
    quantity_short = models.PositiveIntegerField(default=0)
    discrepancy_note = models.CharField(max_length=300, blank=True, default="")
    unit_cost = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="order_line_reserved_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_damaged__gte=0) & Q(quantity_short__gte=0),
                name="order_line_discrepancy_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(
                    quantity_received=F("quantity_reserved")
                    - F("quantity_damaged")
                    - F("quantity_short")
                ),
                name="order_line_receipt_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x{self.quantity}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity_reserved * self.unit_cost

    @property
    def has_discrepancy(self) -> bool:
        return bool(self.quantity_damaged or self.quantity_short)


class OrderEvent(TimeStampedModel):
    """One row per status transition of an order: who moved it, from where to where, and when.
    `actor` is null for system moves (a task, a deleted user). `data` holds what the transition
    decided (cuts of a partial submission, the discrepancies of a receipt...)."""

    order = models.ForeignKey(ReplenishmentOrder, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=ReplenishmentOrder.Status.choices)
    to_status = models.CharField(max_length=12, choices=ReplenishmentOrder.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.from_status} -> {self.to_status}"


class WarehouseAccount(TimeStampedModel):
    """A service account: the user is the system of one warehouse (its WMS) and sees and moves
    only that warehouse's orders."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warehouse_account"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="accounts")

    class Meta:
        ordering = ["warehouse_id", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.warehouse}"
