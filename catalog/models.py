"""The product catalog shared by every store and warehouse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lst.models import TimeStampedModel

from .barcodes import ean13_condition, validate_ean13
from .pinyin import KEY_MAX_LENGTH, pinyin_keys


class DecimalKwargs(TypedDict):
    """The precision of a decimal field, splatted into model and serializer DecimalFields."""

    max_digits: int
    decimal_places: int


MONEY: DecimalKwargs = {"max_digits": 12, "decimal_places": 2}


class Category(TimeStampedModel):
    """A node of the category tree (e.g. 饮料 > 瓶装水). `code` is stable across imports."""

    code = models.SlugField(verbose_name=_("code"), max_length=64, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=100)
    name_en = models.CharField(verbose_name=_("name en"), max_length=100, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """A sellable item. Money in CNY as Decimal; sizes of one unit's facing in centimetres."""

    sku = models.CharField(verbose_name=_("sku"), max_length=64, unique=True)
    barcode = models.CharField(
        verbose_name=_("barcode"), max_length=13, unique=True, validators=[validate_ean13]
    )
    name = models.CharField(verbose_name=_("name"), max_length=200)
    name_en = models.CharField(
        verbose_name=_("name en"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Latin name or pinyin, for search."),
    )
    search_pinyin = models.CharField(
        verbose_name=_("pinyin search key"),
        max_length=KEY_MAX_LENGTH,
        blank=True,
        default="",
        editable=False,
        help_text=_("The name's pinyin and initials, set from the name on save."),
    )
    brand = models.CharField(verbose_name=_("brand"), max_length=100, blank=True, default="")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    case_pack = models.PositiveIntegerField(
        verbose_name=_("case pack"), default=1, validators=[MinValueValidator(1)]
    )
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    retail_price = models.DecimalField(
        verbose_name=_("retail price"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    shelf_life_days = models.PositiveIntegerField(
        verbose_name=_("shelf life days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    width_cm = models.DecimalField(
        verbose_name=_("width cm"), max_digits=6, decimal_places=1, default=Decimal("8.0")
    )
    height_cm = models.DecimalField(
        verbose_name=_("height cm"), max_digits=6, decimal_places=1, default=Decimal("20.0")
    )
    depth_cm = models.DecimalField(
        verbose_name=_("depth cm"), max_digits=6, decimal_places=1, default=Decimal("8.0")
    )
    requires_chilling = models.BooleanField(verbose_name=_("requires chilling"), default=False)
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        indexes = [
            models.Index(fields=["category", "is_active"]),
            models.Index(fields=["brand"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(case_pack__gte=1), name="product_case_pack_gte_1"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_unit_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(retail_price__gte=0), name="product_retail_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(shelf_life_days__isnull=True) | Q(shelf_life_days__gte=1),
                name="product_shelf_life_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(width_cm__gt=0) & Q(height_cm__gt=0) & Q(depth_cm__gt=0),
                name="product_sizes_positive",
            ),
            models.CheckConstraint(condition=ean13_condition("barcode"), name="product_ean13"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_pinyin = pinyin_keys(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_pinyin"}
        super().save(*args, **kwargs)

    @property
    def margin(self) -> Decimal:
        return self.retail_price - self.unit_cost
