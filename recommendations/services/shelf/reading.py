"""Reading a plan for the owner's app and the admin: its placements, the current layout and the
change list between them, the planogram."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Product
from recommendations.engine.shelf import (
    FixturePlan,
    FixtureSpec,
    Placement,
    PlanDiff,
    Unplaced,
    diff_plan,
    render_planogram,
    settle_plans,
)

from ...models import ShelfPlan
from ...selectors import (
    product_category_labels,
    products_in_bulk,
    shelf_plan_current,
    shelf_plan_items,
)
from .inputs import fixture_spec, inputs_given, inputs_specs, placements_from_items


@dataclass(frozen=True)
class PlanView:
    """A recommended plan with what the API and the admin show: its placements, the current
    layout and the change list between them, the product names."""

    plan: ShelfPlan
    fixture: FixtureSpec
    placements: list[Placement]
    current: list[Placement]
    diff: PlanDiff
    products: dict[int, Product]


def plan_view(plan: ShelfPlan) -> PlanView:
    fx = fixture_spec(plan.fixture)
    items = shelf_plan_items(plan)
    current_items = shelf_plan_items(shelf_plan_current(fixture_id=plan.fixture_id))
    current = placements_from_items(current_items)
    specs, response = inputs_specs(plan.inputs)
    given = inputs_given(plan.inputs)
    products = {it.product_id: it.product for it in [*items, *current_items]}
    stored = FixturePlan(
        fx,
        tuple(placements_from_items(items)),
        tuple(Unplaced(u["product_id"], u["reason"]) for u in plan.unplaced or []),
    )
    # A layout recorded after the run: changes that no longer gain are put back again (only
    # the fixture's own products; those planned for another fixture keep their removal).
    fixture_plan = settle_plans(
        {fx.fixture_id: stored},
        {fx.fixture_id: current},
        [s for s in specs if s.product_id in given],
        response,
    )[fx.fixture_id]
    diff = diff_plan(current, fixture_plan, specs, response)
    return PlanView(plan, fx, list(fixture_plan.placements), current, diff, products)


def product_names(product_ids: Sequence[int], lang: str | None) -> dict[int, str]:
    return {pid: product_label(p, lang) for pid, p in products_in_bulk(product_ids).items()}


def product_label(product: Product, lang: str | None) -> str:
    if lang and not lang.lower().startswith("zh"):
        return product.name_en or product.name
    return product.name


def planogram_svg(view: PlanView, *, lang: str | None = None) -> str:
    """The plan's SVG in the language: names and category labels translated; colours from the
    category ids, so they are the same in every language."""
    english = bool(lang) and not str(lang).lower().startswith("zh")
    names: dict[int | str, str] = {pid: product_label(p, lang) for pid, p in view.products.items()}
    skus: dict[int | str, str] = {pid: p.sku for pid, p in view.products.items()}
    labels = product_category_labels(view.products, english=english)
    plan = FixturePlan(view.fixture, tuple(view.placements))
    title = f"{view.plan.fixture.name} ({view.plan.store.code})"
    return render_planogram(
        plan,
        names,
        title=title,
        skus=skus,
        category_names=labels,
        eye_label="eye level" if english else "视线高度",
    )
