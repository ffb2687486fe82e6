"""Stores, who works there, their fixtures, stock, the stock ledger, POS receipts and daily sales."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import MONEY
from lst.models import TimeStampedModel, User

DEFAULT_TZ = "Asia/Shanghai"


class Territory(TimeStampedModel):
    """Region > city > district. Field agents look after a territory and everything below it."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")

    code = models.SlugField(verbose_name=_("code"), max_length=64, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=100)
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    field_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("field agents"),
        blank=True,
        related_name="territories",
    )

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Store(TimeStampedModel):
    class Neighbourhood(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        OFFICE = "office", _("Office")
        SCHOOL = "school", _("School")
        TRANSIT = "transit", _("Transit")
        RURAL = "rural", _("Rural")

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    code = models.SlugField(verbose_name=_("code"), max_length=64, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=200)
    address = models.CharField(verbose_name=_("address"), max_length=300, blank=True, default="")
    city = models.CharField(verbose_name=_("city"), max_length=100, blank=True, default="")
    district = models.CharField(verbose_name=_("district"), max_length=100, blank=True, default="")
    latitude = models.DecimalField(
        verbose_name=_("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        verbose_name=_("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    neighbourhood = models.CharField(
        verbose_name=_("neighbourhood"),
        max_length=20,
        choices=Neighbourhood.choices,
        default=Neighbourhood.RESIDENTIAL,
    )
    floor_area_m2 = models.PositiveIntegerField(
        verbose_name=_("floor area m2"), null=True, blank=True
    )
    opening_hours = models.JSONField(
        verbose_name=_("opening hours"),
        default=dict,
        blank=True,
        help_text=_('Per weekday, e.g. {"mon": ["07:00-23:00"], ..., "sun": ["08:00-22:00"]}.'),
    )
    timezone = models.CharField(verbose_name=_("timezone"), max_length=64, default=DEFAULT_TZ)
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.ONBOARDING
    )
    warehouse = models.ForeignKey(
        "replenishment.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stores",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stores",
    )
    members: models.ManyToManyField[User, StoreMembership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="StoreMembership",
        related_name="stores",
    )
    # Shopper orders (home delivery or pick-up). The minimum basket applies to deliveries only.
    accepts_online_orders = models.BooleanField(
        verbose_name=_("accepts online orders"), default=False
    )
    delivery_radius_km = models.DecimalField(
        verbose_name=_("delivery radius km"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("Great-circle km from the store; 0 = pick-up only."),
    )
    delivery_fee = models.DecimalField(
        verbose_name=_("delivery fee"), **MONEY, default=Decimal("0")
    )
    min_basket_value = models.DecimalField(
        verbose_name=_("min basket value"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("Smallest subtotal delivered (CNY)."),
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="store_coords_idx"),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="store_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="store_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(delivery_radius_km__gte=0)
                & Q(delivery_fee__gte=0)
                & Q(min_basket_value__gte=0),
                name="store_delivery_terms_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StoreMembership(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        CLERK = "clerk", _("Clerk")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(verbose_name=_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("store membership")
        verbose_name_plural = _("store memberships")
        ordering = ["store_id", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "store"], name="membership_unique_user_store"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.role})"


class Fixture(TimeStampedModel):
    """A piece of display furniture. Levels are numbered from 1 at the bottom."""

    class Kind(models.TextChoices):
        SHELF = "shelf", _("Shelf")
        COOLER = "cooler", _("Cooler")
        COUNTER = "counter", _("Counter")
        END_CAP = "end_cap", _("End cap")

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="fixtures"
    )
    name = models.CharField(verbose_name=_("name"), max_length=100)
    kind = models.CharField(
        verbose_name=_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHELF
    )
    width_cm = models.PositiveIntegerField(
        verbose_name=_("width cm"), validators=[MinValueValidator(1)]
    )
    depth_cm = models.PositiveIntegerField(
        verbose_name=_("depth cm"), default=40, validators=[MinValueValidator(1)]
    )
    levels = models.PositiveSmallIntegerField(
        verbose_name=_("levels"), default=5, validators=[MinValueValidator(1)]
    )
    eye_level = models.PositiveSmallIntegerField(
        verbose_name=_("eye level"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("fixture")
        verbose_name_plural = _("fixtures")
        ordering = ["store_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(width_cm__gte=1), name="fixture_width_gte_1"),
            models.CheckConstraint(condition=Q(levels__gte=1), name="fixture_levels_gte_1"),
            models.CheckConstraint(
                condition=Q(eye_level__gte=1) & Q(eye_level__lte=F("levels")),
                name="fixture_eye_level_within_levels",
            ),
            models.UniqueConstraint(fields=["store", "name"], name="fixture_unique_store_name"),
        ]

    def __str__(self) -> str:
        return f"{self.store.code}/{self.name}"


class StockLevel(TimeStampedModel):
    """Units on hand of one product in one store: the running sum of its ledger movements.

    `needs_count` is raised when sales outran the recorded stock (a shortfall): the number is
    then known to be wrong and the app asks for a count.

    `reserved` is the units promised to open shopper orders: always exactly the sum of their
    lines (stores.services.reservation keeps it). A reservation is only granted out of
    `on_hand - reserved` under the row lock, so it never takes stock already sold. There is
    deliberately no `reserved <= on_hand` constraint: a walk-in sale (or waste, a count) must
    never fail because of a reservation, so it may eat into reserved units; `reserved > on_hand`
    is then the visible conflict the owner resolves on the affected orders.
    """

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="stock_levels",
    )
    on_hand = models.IntegerField(verbose_name=_("on hand"), default=0)
    reserved = models.IntegerField(verbose_name=_("reserved"), default=0)
    needs_count = models.BooleanField(verbose_name=_("needs count"), default=False)
    last_counted_at = models.DateTimeField(verbose_name=_("last counted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["store_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="stock_unique_store_product"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id}: {self.on_hand}"


class StockMovement(models.Model):
    """The append-only stock ledger. `quantity` is signed: + into the store, - out of it."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        RECEIPT = "receipt", _("Receipt")
        COUNT_CORRECTION = "count_correction", _("Count correction")
        SHORTFALL = "shortfall", _("Shortfall (sold beyond recorded stock)")
        WASTE = "waste", _("Waste / expiry")
        TRANSFER = "transfer", _("Transfer")

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="movements"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(verbose_name=_("quantity"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"), db_index=True)
    reference = models.CharField(
        verbose_name=_("reference"), max_length=100, blank=True, default=""
    )
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["store", "product", "occurred_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.product_id}@{self.store_id}"


class StockOut(TimeStampedModel):
    """A spell when a store had none of a product on hand: from the movement that brought the
    level to zero (`started_at`) to the one that brought it back above zero (`ended_at`, null
    while still out). Written only by `stock_apply`, under the stock-level row lock, so at most
    one spell per store and product is open, and one is open exactly when the level is zero
    (for levels that went to zero through the ledger).

    Demand on a day that ended inside a spell is unknown (sales stop at the shelf, not at the
    shopper): the forecaster reads these days as censored, not as zero demand.
    """

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="stockouts"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(verbose_name=_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock-out")
        verbose_name_plural = _("stock-outs")
        ordering = ["store_id", "product_id", "-started_at"]
        indexes = [models.Index(fields=["store", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "product"],
                condition=Q(ended_at__isnull=True),
                name="stockout_one_open_per_store_product",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="stockout_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id}: {self.started_at} - {self.ended_at or '…'}"


class PosReceipt(TimeStampedModel):
    """A till receipt uploaded by the store app. `uuid` is generated by the app, so a retried
    upload is recognised and not counted twice."""

    uuid = models.UUIDField(verbose_name=_("uuid"), unique=True, default=uuid.uuid4)
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="receipts"
    )
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    local_date = models.DateField(
        verbose_name=_("local date"), help_text=_("The store-local date of the sale.")
    )
    total = models.DecimalField(verbose_name=_("total"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("pos receipt")
        verbose_name_plural = _("pos receipts")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["store", "local_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="receipt_total_gte_0")
        ]

    def __str__(self) -> str:
        return str(self.uuid)


class PosReceiptLine(models.Model):
    receipt = models.ForeignKey(
        PosReceipt, verbose_name=_("receipt"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_price = models.DecimalField(verbose_name=_("unit price"), **MONEY)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pos receipt line")
        verbose_name_plural = _("pos receipt lines")
        ordering = ["receipt_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="receipt_line_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="receipt_line_unit_price_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x{self.quantity}"


class DailySales(TimeStampedModel):
    """Units and revenue per store, product and store-local date: what the recommenders read."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="daily_sales"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(verbose_name=_("date"))
    units = models.PositiveIntegerField(verbose_name=_("units"), default=0)
    revenue = models.DecimalField(verbose_name=_("revenue"), **MONEY, default=Decimal("0"))
    promo = models.BooleanField(verbose_name=_("promo"), default=False)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        ordering = ["store_id", "product_id", "date"]
        indexes = [models.Index(fields=["date"]), models.Index(fields=["product", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "product", "date"], name="daily_sales_unique_store_product_date"
            ),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="daily_sales_revenue_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id}/{self.date}: {self.units}"
