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

    code = models.SlugField(verbose_name=_("code"), max_length=64, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=200)
    address = models.CharField(verbose_name=_("address"), max_length=300, blank=True, default="")
    latitude = models.DecimalField(
        verbose_name=_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        verbose_name=_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    timezone = models.CharField(verbose_name=_("timezone"), max_length=64, default=DEFAULT_TZ)
    lead_time_days = models.PositiveSmallIntegerField(verbose_name=_("lead time days"), default=1)
    cutoff_time = models.TimeField(verbose_name=_("cutoff time"), default=dt.time(18, 0))
    delivery_weekdays = models.JSONField(
        verbose_name=_("delivery weekdays"), default=default_delivery_weekdays
    )
    min_order_value = models.DecimalField(
        verbose_name=_("min order value"),
        **MONEY,
        default=Decimal("300.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
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

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="stock"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    on_hand = models.IntegerField(verbose_name=_("on hand"), default=0)
    reserved = models.IntegerField(verbose_name=_("reserved"), default=0)
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("warehouse stock")
        verbose_name_plural = _("warehouse stocks")
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
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="replenishment_orders",
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    total = models.DecimalField(verbose_name=_("total"), **MONEY, default=Decimal("0"))
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"), null=True, blank=True)
    promised_delivery_date = models.DateField(
        verbose_name=_("promised delivery date"), null=True, blank=True
    )
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True, default="")
    reject_reason = models.CharField(
        verbose_name=_("reject reason"), max_length=300, blank=True, default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("replenishment order")
        verbose_name_plural = _("replenishment orders")
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

    order = models.ForeignKey(
        ReplenishmentOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        verbose_name=_("quantity"), validators=[MinValueValidator(1)]
    )
    quantity_reserved = models.PositiveIntegerField(verbose_name=_("quantity reserved"), default=0)
    quantity_received = models.PositiveIntegerField(
        verbose_name=_("quantity received"), null=True, blank=True
    )
    quantity_damaged = models.PositiveIntegerField(verbose_name=_("quantity damaged"), default=0)
    quantity_short = models.PositiveIntegerField(verbose_name=_("quantity short"), default=0)
    discrepancy_note = models.CharField(
        verbose_name=_("discrepancy note"), max_length=300, blank=True, default=""
    )
    unit_cost = models.DecimalField(verbose_name=_("unit cost"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("replenishment order line")
        verbose_name_plural = _("replenishment order lines")
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

    order = models.ForeignKey(
        ReplenishmentOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        verbose_name=_("from status"), max_length=12, choices=ReplenishmentOrder.Status.choices
    )
    to_status = models.CharField(
        verbose_name=_("to status"), max_length=12, choices=ReplenishmentOrder.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True, default="")
    data = models.JSONField(verbose_name=_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.from_status} -> {self.to_status}"


class WarehouseAccount(TimeStampedModel):
    """A service account: the user is the system of one warehouse (its WMS) and sees and moves
    only that warehouse's orders."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="warehouse_account",
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="accounts"
    )

    class Meta:
        verbose_name = _("warehouse account")
        verbose_name_plural = _("warehouse accounts")
        ordering = ["warehouse_id", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.warehouse}"
