"""What changes: a plan as short instructions against the store's current layout.

The instructions are structured data (action, levels, facings, the profit change); the owner's
sentences, in each language, are written from them by `recommendations.explain`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .knapsack import profit_curve
from .types import FixturePlan, FixtureSpec, Placement, ProductSpec, ResponseParams

ACTION_ORDER = {"remove": 0, "move": 1, "facings": 2, "add": 3}


@dataclass(frozen=True)
class ChangeInstruction:
    action: str  # "remove", "move" (level changes), "facings" (same level), "add"
    product_id: int | str
    from_level: int | None
    to_level: int | None
    from_facings: int | None
    to_facings: int | None
    daily_profit_change: float
    to_eye_level: bool = False  # the product ends up at the fixture's eye level

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PlanDiff:
    instructions: tuple[ChangeInstruction, ...]
    current_daily_profit: float
    planned_daily_profit: float

    @property
    def daily_profit_change(self) -> float:
        return self.planned_daily_profit - self.current_daily_profit


def placement_profit(
    fixture: FixtureSpec,
    product: ProductSpec,
    placement: Placement,
    response: ResponseParams,
) -> float:
    """Expected daily profit of ``product`` placed as ``placement`` on ``fixture``, same model as plans."""
    curve = profit_curve(
        product,
        response.for_category(product.category),
        eye=placement.level == fixture.eye_level,
        display=fixture.kind == "end_cap",
        max_facings=placement.facings,
    )
    return float(curve[placement.facings])


def layout_profit(
    fixture: FixtureSpec,
    products: Sequence[ProductSpec],
    placements: Sequence[Placement],
    response: ResponseParams | None = None,
) -> float:
    response = response or ResponseParams()
    by_id = {p.product_id: p for p in products}
    return sum(
        placement_profit(fixture, by_id[pl.product_id], pl, response)
        for pl in placements
        if pl.product_id in by_id
    )


def diff_plan(
    current: Sequence[Placement],
    plan: FixturePlan,
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
) -> PlanDiff:
    """Instructions turning ``current`` (the fixture's layout today) into ``plan``.

    Position-only changes inside a level are not listed (the planogram shows the order).
    ``daily_profit_change`` of an instruction is that product's expected profit after minus before.
    """
    response = response or ResponseParams()
    fx = plan.fixture
    by_id = {p.product_id: p for p in products}
    old = {pl.product_id: pl for pl in current}
    new = {pl.product_id: pl for pl in plan.placements}

    def value(pl: Placement | None, pid: int | str) -> float:
        if pl is None or pid not in by_id:
            return 0.0
        return placement_profit(fx, by_id[pid], pl, response)

    out: list[ChangeInstruction] = []
    for pid in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(pid), new.get(pid)
        if a is not None and b is not None:
            if a.level != b.level:
                action = "move"
            elif a.facings != b.facings:
                action = "facings"
            else:
                continue
        else:
            action = "remove" if b is None else "add"
        out.append(
            ChangeInstruction(
                action,
                pid,
                a.level if a else None,
                b.level if b else None,
                a.facings if a else None,
                b.facings if b else None,
                round(value(b, pid) - value(a, pid), 4),
                to_eye_level=b is not None and b.level == fx.eye_level,
            )
        )
    out.sort(key=lambda c: (ACTION_ORDER[c.action], -c.daily_profit_change, str(c.product_id)))
    current_profit = sum(value(pl, pid) for pid, pl in old.items())
    planned = sum(value(pl, pid) for pid, pl in new.items())
    return PlanDiff(tuple(out), current_profit, planned)
