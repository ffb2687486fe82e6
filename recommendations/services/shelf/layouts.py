"""The store's current layouts: recorded by the owner (validated against the fixture), or seeded
plainly for the demo and tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from lst.errors import NotFound, ValidationFailed
from recommendations.engine.shelf import (
    FixtureSpec,
    Placement,
    ProductSpec,
    assign_products_to_fixtures,
)
from stores.models import Fixture, Store

from ...models import ShelfPlan, ShelfPlanItem
from .demand import fallback_demand
from .inputs import MAX_DAYS_OF_SUPPLY, carried_products, fixture_spec, product_specs
from .planning import money
from .reading import plan_view

Source = ShelfPlan.Source
MAX_LAYOUT_ITEMS = 300
MAX_FACINGS_RECORDED = 50


@dataclass(frozen=True)
class LayoutItem:
    product_id: int
    level: int
    facings: int
    position: int | None = None


def shelf_layout_errors(
    fixture: Fixture, items: Sequence[LayoutItem], *, indices: Sequence[int] | None = None
) -> tuple[dict[str, list[str]], dict[int, Product]]:
    """Every problem of a layout against its fixture, each item checked on all its fields:
    `items[k].<field>` -> messages, with `k` from `indices` (the items' places in the request,
    when some were dropped for errors of their own), and the products found."""
    errors: dict[str, list[str]] = {}
    products = Product.objects.in_bulk({i.product_id for i in items})
    seen: set[int] = set()
    used: dict[int, float] = {}
    positions: dict[int, set[int]] = {}
    for k, it in zip(indices if indices is not None else range(len(items)), items, strict=True):
        at = f"items[{k}]"
        bad: dict[str, str] = {}
        product = products.get(it.product_id)
        if product is None:
            bad["product"] = _("Unknown product.")
        elif it.product_id in seen:
            bad["product"] = _("This product is already on another item.")
        seen.add(it.product_id)
        if not 1 <= it.level <= fixture.levels:
            bad["level"] = _("Level must be between 1 and %(n)d.") % {"n": fixture.levels}
        if not 1 <= it.facings <= MAX_FACINGS_RECORDED:
            bad["facings"] = _("Facings must be between 1 and %(n)d.") % {"n": MAX_FACINGS_RECORDED}
        if it.position is not None and "level" not in bad:
            if it.position in positions.setdefault(it.level, set()):
                bad["position"] = _("Two items share this position on the level.")
            positions[it.level].add(it.position)
        if product is not None and not {"level", "facings"} & set(bad):
            used[it.level] = used.get(it.level, 0.0) + float(product.width_cm) * it.facings
            if used[it.level] > fixture.width_cm + 1e-6:
                bad["facings"] = _(
                    "Level %(level)d is %(width)d cm wide; these facings do not fit."
                ) % {"level": it.level, "width": fixture.width_cm}
        for field in ("product", "level", "facings", "position"):
            if field in bad:
                errors[f"{at}.{field}"] = [bad[field]]
    return errors, products


def shelf_layout_invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    first = next(iter(errors))
    return ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)


def _layout_check(fixture: Fixture, items: Sequence[LayoutItem]) -> dict[int, Product]:
    if len(items) > MAX_LAYOUT_ITEMS:
        raise ValidationFailed(
            _("Too many items."),
            fields={"items": [_("At most %(n)d items.") % {"n": MAX_LAYOUT_ITEMS}]},
        )
    errors, products = shelf_layout_errors(fixture, items)
    if errors:
        raise shelf_layout_invalid(errors)
    return products


@transaction.atomic
def shelf_layout_record(
    *, store: Store, fixture: Fixture, items: Sequence[LayoutItem], user: Any | None = None
) -> ShelfPlan:
    """Record what the fixture looks like today; the previous current layout becomes history.
    The recommended plan's current profit is recomputed against it."""
    if fixture.store_id != store.pk:
        raise NotFound(_("Fixture not found."))
    Fixture.objects.select_for_update().filter(pk=fixture.pk).first()  # serialise recorders
    products = _layout_check(fixture, items)
    ShelfPlan.objects.filter(fixture=fixture, source=Source.CURRENT, is_current=True).update(
        is_current=False, updated_at=timezone.now()
    )
    plan = ShelfPlan.objects.create(
        store=store,
        fixture=fixture,
        source=Source.CURRENT,
        is_current=True,
        created_by=user if getattr(user, "pk", None) else None,
    )
    rows: list[ShelfPlanItem] = []
    levels: dict[int, list[LayoutItem]] = {}
    for it in items:
        levels.setdefault(it.level, []).append(it)
    for level, its in levels.items():
        ordered = sorted(
            enumerate(its), key=lambda e: (e[1].position is None, e[1].position or 0, e[0])
        )
        for pos, (_k, it) in enumerate(ordered, start=1):
            rows.append(
                ShelfPlanItem(
                    plan=plan,
                    product=products[it.product_id],
                    level=level,
                    position=pos,
                    facings=it.facings,
                )
            )
    ShelfPlanItem.objects.bulk_create(rows)
    recommended = ShelfPlan.objects.filter(
        fixture=fixture, source=Source.RECOMMENDED, is_current=True
    ).first()
    if recommended is not None:
        view = plan_view(recommended)
        ShelfPlan.objects.filter(pk=recommended.pk).update(
            current_daily_profit=money(view.diff.current_daily_profit), updated_at=timezone.now()
        )
    return plan


def naive_layout(
    fixture: FixtureSpec, products: Sequence[ProductSpec], facings: int = 2
) -> list[Placement]:
    """A plain layout, as a store might have it without a plan: products by category then id,
    `facings` each (1 when the level is too full), top level first, left to right; products
    that do not fit are left off."""
    out: list[Placement] = []
    level, x, pos = fixture.levels, 0.0, 0
    for p in sorted(products, key=lambda p: (p.category, str(p.product_id))):
        while level >= 1:
            f = next((f for f in (facings, 1) if x + p.width_cm * f <= fixture.width_cm), 0)
            if f:
                pos += 1
                out.append(Placement(p.product_id, level, pos, f, x, p.width_cm * f, p.category))
                x += p.width_cm * f
                break
            if x == 0:  # wider than an empty level: left off
                break
            level, x, pos = level - 1, 0.0, 0
    return out


def shelf_layouts_seed(*, store_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Give every fixture without a recorded layout a naive current layout (demo and tests):
    the store's carried products assigned to fixtures as the planner would, laid out plainly."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(pk__in=list(store_ids)).select_related("warehouse"))
    have = set(
        ShelfPlan.objects.filter(
            store__in=stores, source=Source.CURRENT, is_current=True
        ).values_list("fixture_id", flat=True)
    )
    stock, products = carried_products([s.pk for s in stores])
    demand = fallback_demand([s.pk for s in stores], timezone.localdate(now))
    written = 0
    for store in stores:
        fxs = [f for f in Fixture.objects.filter(store=store).order_by("pk") if f.pk not in have]
        if not fxs:
            continue
        pids = stock.loc[stock["store_id"] == store.pk, "product_id"].to_numpy()
        specs = product_specs(
            store=store,
            fixtures=fxs,
            products=products.loc[pids],
            demand=demand,
            current=None,
            days_of_supply=MAX_DAYS_OF_SUPPLY,
        )
        by_id = {s.product_id: s for s in specs}
        assignment = assign_products_to_fixtures([fixture_spec(f) for f in fxs], specs)
        for fx in fxs:
            placements = naive_layout(
                fixture_spec(fx), [by_id[p] for p in assignment.by_fixture[fx.pk]]
            )
            shelf_layout_record(
                store=store,
                fixture=fx,
                items=[
                    LayoutItem(int(p.product_id), p.level, p.facings, p.position)
                    for p in placements
                ],
            )
            written += 1
    return written
