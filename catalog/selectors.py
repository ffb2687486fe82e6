"""Reads of the product catalog shared by the API, the stores app and tasks."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lst.errors import NotFound, ValidationFailed

from .barcodes import is_valid_ean13
from .models import Category, Product
from .pinyin import search_term


def category_with_descendants(*, category_id: int) -> list[int]:
    """The category and every category below it (one query: the tree is small)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Category.objects.values_list("id", "parent_id"):
        children[parent_id].append(pk)
    if not any(category_id in ids for ids in children.values()):
        return []
    found, todo = [], [category_id]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def product_search_q(q: str, *, prefix: str = "") -> Q:
    """Match Chinese name (or its pinyin, whole or initials), Latin name, brand, SKU, or the exact
    barcode. `prefix` is
    the path to the product from another model, e.g. "product__"."""
    q = q.strip()
    fields = ("name", "name_en", "brand", "sku")
    match = Q()
    for field in fields:
        match |= Q(**{f"{prefix}{field}__icontains": q})
    if term := search_term(q):  # `kele`, `ke le` or `kkkl` for 可口可乐
        match |= Q(**{f"{prefix}search_pinyin__contains": term})
    if q.isdigit():
        match |= Q(**{f"{prefix}barcode": q})
    return match


def categories_list() -> QuerySet[Category]:
    return Category.objects.order_by("code")


def products_list(
    *,
    q: str = "",
    category_id: int | None = None,
    brand: str = "",
    active_only: bool = True,
) -> QuerySet[Product]:
    products = Product.objects.select_related("category")
    if active_only:
        products = products.filter(is_active=True)
    if q.strip():
        products = products.filter(product_search_q(q))
    if category_id is not None:
        products = products.filter(
            category_id__in=category_with_descendants(category_id=category_id)
        )
    if brand.strip():
        products = products.filter(brand__iexact=brand.strip())
    return products.order_by("sku")


def product_get(*, product_id: int, active_only: bool = True) -> Product:
    products = Product.objects.select_related("category")
    if active_only:
        products = products.filter(is_active=True)
    product = products.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."), code="product_not_found")
    return product


def product_get_by_barcode(*, barcode: str, active_only: bool = True) -> Product:
    barcode = barcode.strip()
    if not is_valid_ean13(barcode):
        raise ValidationFailed(
            _("Not a valid EAN-13 barcode."),
            code="invalid_barcode",
            fields={"barcode": [_("Expected 13 digits with a correct check digit.")]},
        )
    products = Product.objects.select_related("category")
    if active_only:
        products = products.filter(is_active=True)
    product = products.filter(barcode=barcode).first()
    if product is None:
        raise NotFound(_("No product has this barcode."), code="product_not_found")
    return product
