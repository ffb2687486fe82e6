"""What changes: a plan as short instructions against the store's current layout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    text_zh: str
    text_en: str

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


def _texts(
    action: str,
    name: str,
    name_en: str,
    fx: FixtureSpec,
    old: Placement | None,
    new: Placement | None,
) -> tuple[str, str]:
    if action == "remove" and old is not None:
        return (
            f"把 {name} 从本货架撤下（原在第{old.level}层）",
            f"take {name_en} off this fixture (was on level {old.level})",
        )
    assert new is not None
    if action == "add":
        eye_zh = "视线高度" if new.level == fx.eye_level else ""
        eye_en = "eye level " if new.level == fx.eye_level else ""
        return (
            f"把 {name} 上架到{eye_zh}第{new.level}层，{new.facings}个排面",
            f"put {name_en} on {eye_en}level {new.level}, {new.facings} facings",
        )
    assert old is not None
    facings_zh, facings_en = "", ""
    if new.facings != old.facings:
        verb = "增加" if new.facings > old.facings else "减少"
        facings_zh = f"排面从{old.facings}个{verb}到{new.facings}个"
        facings_en = f"{new.facings} facings instead of {old.facings}"
    if action == "facings":
        return f"{name} {facings_zh}", f"{name_en}: {facings_en}"
    if new.level == fx.eye_level:
        zh = f"把 {name} 移到视线高度（第{new.level}层）"
        en = f"move {name_en} to eye level (level {new.level})"
    else:
        zh = f"把 {name} 从第{old.level}层移到第{new.level}层"
        en = f"move {name_en} from level {old.level} to level {new.level}"
    if facings_zh:
        zh, en = f"{zh}，{facings_zh}", f"{en}, {facings_en}"
    return zh, en


def diff_plan(
    current: Sequence[Placement],
    plan: FixturePlan,
    products: Sequence[ProductSpec],
    response: ResponseParams | None = None,
    *,
    names: Mapping[int | str, str] | None = None,
    names_en: Mapping[int | str, str] | None = None,
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
    names = names or {}
    names_en = names_en or {}

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
        name = names.get(pid) or by_id.get(pid, ProductSpec(pid, "", 1, 0, 0)).name or str(pid)
        name_en = names_en.get(pid) or (by_id[pid].name_en if pid in by_id else "") or name
        zh, en = _texts(action, name, name_en, fx, a, b)
        out.append(
            ChangeInstruction(
                action,
                pid,
                a.level if a else None,
                b.level if b else None,
                a.facings if a else None,
                b.facings if b else None,
                round(value(b, pid) - value(a, pid), 4),
                zh,
                en,
            )
        )
    out.sort(key=lambda c: (ACTION_ORDER[c.action], -c.daily_profit_change, str(c.product_id)))
    current_profit = sum(value(pl, pid) for pid, pl in old.items())
    planned = sum(value(pl, pid) for pid, pl in new.items())
    return PlanDiff(tuple(out), current_profit, planned)
