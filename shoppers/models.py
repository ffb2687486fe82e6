"""Shoppers: accounts (a `lst.User` with a profile), delivery addresses, one-time login codes,
and their orders from one store (home delivery or pick-up) with lines and an event trail."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import MONEY
from lst.models import TimeStampedModel


class ShopperProfile(TimeStampedModel):
    """Marks a user as a shopper (no store membership needed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="shopper_profile",
    )
    display_name = models.CharField(
        verbose_name=_("display name"), max_length=100, blank=True, default=""
    )

    class Meta:
        verbose_name = _("shopper profile")
        verbose_name_plural = _("shopper profiles")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.display_name or str(self.user)


def _coordinate(limit: int) -> models.DecimalField:
    return models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-limit), MaxValueValidator(limit)],
    )


class ShopperAddress(TimeStampedModel):
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="shopper_addresses",
    )
    label = models.CharField(
        verbose_name=_("label"), max_length=50, blank=True, default="", help_text=_("E.g. Home.")
    )
    recipient = models.CharField(
        verbose_name=_("recipient"), max_length=100, blank=True, default=""
    )
    phone = models.CharField(verbose_name=_("phone"), max_length=20, blank=True, default="")
    address = models.CharField(verbose_name=_("address"), max_length=300)
    latitude = _coordinate(90)
    longitude = _coordinate(180)

    class Meta:
        verbose_name = _("shopper address")
        verbose_name_plural = _("shopper addresses")
        ordering = ["shopper_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="shopper_address_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.address} ({self.shopper_id})"


class OneTimeCode(TimeStampedModel):
    """A login code sent to a phone. Only a keyed hash is stored; the code dies when used, when
    it expires, when too many wrong guesses were made, or when a newer code is requested."""

    phone = models.CharField(verbose_name=_("phone"), max_length=20, db_index=True)
    code_hash = models.CharField(verbose_name=_("code hash"), max_length=64)
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    attempts = models.PositiveSmallIntegerField(verbose_name=_("attempts"), default=0)
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one time code")
        verbose_name_plural = _("one time codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone} until {self.expires_at:%H:%M}"


class ShopperOrder(TimeStampedModel):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        ACCEPTED = "accepted", pgettext_lazy("shopper order", "Accepted")
        READY = "ready", _("Ready")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        PICKED_UP = "picked_up", _("Picked up")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("Home delivery")
        PICKUP = "pickup", _("Pick-up")

    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="shopper_orders",
    )
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="shopper_orders",
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=20, choices=Status.choices, default=Status.PLACED
    )
    fulfilment = models.CharField(
        verbose_name=_("fulfilment"), max_length=10, choices=Fulfilment.choices
    )
    # Delivery: a snapshot of the address at placement (the shopper may edit or delete it later).
    address = models.ForeignKey(
        ShopperAddress,
        verbose_name=_("address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    delivery_address = models.CharField(
        verbose_name=_("delivery address"), max_length=300, blank=True, default=""
    )
    delivery_recipient = models.CharField(
        verbose_name=_("delivery recipient"), max_length=100, blank=True, default=""
    )
    delivery_phone = models.CharField(
        verbose_name=_("delivery phone"), max_length=20, blank=True, default=""
    )
    delivery_latitude = models.DecimalField(
        verbose_name=_("delivery latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    delivery_longitude = models.DecimalField(
        verbose_name=_("delivery longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    distance_m = models.PositiveIntegerField(verbose_name=_("distance m"), null=True, blank=True)
    subtotal = models.DecimalField(verbose_name=_("subtotal"), **MONEY, default=Decimal("0"))
    delivery_fee = models.DecimalField(
        verbose_name=_("delivery fee"), **MONEY, default=Decimal("0")
    )
    total = models.DecimalField(verbose_name=_("total"), **MONEY, default=Decimal("0"))
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True, default="")
    placed_at = models.DateTimeField(verbose_name=_("placed at"))
    expires_at = models.DateTimeField(
        verbose_name=_("expires at"), help_text=_("An order not accepted by then expires.")
    )
    accepted_at = models.DateTimeField(verbose_name=_("accepted at"), null=True, blank=True)
    estimated_at = models.DateTimeField(
        verbose_name=_("estimated at"),
        null=True,
        blank=True,
        help_text=_("The store's estimate: ready (pick-up) or delivered."),
    )
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)
    decline_reason = models.CharField(
        verbose_name=_("decline reason"), max_length=300, blank=True, default=""
    )

    class Meta:
        verbose_name = _("shopper order")
        verbose_name_plural = _("shopper orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status", "placed_at"]),
            models.Index(fields=["shopper", "placed_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(delivery_fee__gte=0),
                name="shopper_order_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("delivery_fee")),
                name="shopper_order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment="pickup", delivery_fee=0)
                | Q(
                    fulfilment="delivery",
                    delivery_latitude__isnull=False,
                    delivery_longitude__isnull=False,
                ),
                name="shopper_order_fulfilment_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.store_id} {self.status}"


class ShopperOrderLine(TimeStampedModel):
    """`unit_price` is the store's retail price when the order was placed."""

    order = models.ForeignKey(
        ShopperOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        verbose_name=_("quantity"), validators=[MinValueValidator(1)]
    )
    unit_price = models.DecimalField(verbose_name=_("unit price"), **MONEY)

    class Meta:
        verbose_name = _("shopper order line")
        verbose_name_plural = _("shopper order lines")
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="shopper_order_line_unique_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shopper_order_line_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="shopper_order_line_price_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x{self.quantity}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price


class ShopperOrderEvent(TimeStampedModel):
    """One row per transition: who (null for the system: expiry), from, to, when, and what the
    transition decided (`data`: units released, the estimate, the sale written...)."""

    order = models.ForeignKey(
        ShopperOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        verbose_name=_("from status"),
        max_length=20,
        choices=ShopperOrder.Status.choices,
        blank=True,
    )
    to_status = models.CharField(
        verbose_name=_("to status"), max_length=20, choices=ShopperOrder.Status.choices
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
        verbose_name = _("shopper order event")
        verbose_name_plural = _("shopper order events")
        ordering = ["order_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.from_status or '-'} -> {self.to_status}"
