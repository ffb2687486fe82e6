"""Plain, frozen inputs and results of the shelf-display engine.

Units: widths in cm, demand in units per day, margins in currency per unit (floats here; the Django
side converts Decimal at the boundary), profits in currency per day. Levels are numbered from 1 at
the bottom, positions from 1 at the left, as in ``stores.Fixture`` / ``ShelfPlanItem``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FIXTURE_KINDS = ("shelf", "cooler", "counter", "end_cap")


@dataclass(frozen=True)
class FixtureSpec:
    fixture_id: int | str
    width_cm: float
    levels: int
    eye_level: int
    kind: str = "shelf"
    name: str = ""

    def __post_init__(self) -> None:
        if self.width_cm <= 0 or self.levels < 1:
            raise ValueError("fixture needs a positive width and at least one level")
        if not 1 <= self.eye_level <= self.levels:
            raise ValueError("eye_level must lie within 1..levels")
        if self.kind not in FIXTURE_KINDS:
            raise ValueError(f"unknown fixture kind {self.kind!r}")


@dataclass(frozen=True)
class ProductSpec:
    """A product to place. ``daily_demand`` is the forecast at the reference layout ``ref_*``."""

    product_id: int | str
    category: str
    width_cm: float
    unit_margin: float
    daily_demand: float
    units_per_facing: int = 1  # depth capacity: units one facing holds, front to back
    days_of_supply: float = 7.0  # days the shelf must last until the next delivery
    requires_chilling: bool = False
    name: str = ""
    name_en: str = ""
    ref_facings: float = 1.0  # facings in place when ``daily_demand`` was observed
    ref_eye_level: bool = False
    ref_display: bool = False

    def __post_init__(self) -> None:
        if self.width_cm <= 0 or self.units_per_facing < 1 or self.ref_facings <= 0:
            raise ValueError(f"product {self.product_id}: width, depth and ref facings must be > 0")
        if self.daily_demand < 0 or self.days_of_supply < 0:
            raise ValueError(f"product {self.product_id}: demand and days of supply must be >= 0")


@dataclass(frozen=True)
class CategoryResponse:
    """Sales multiplier = (facings / ref) ** facings_beta * (1 + eye_lift)[eye] * (1 + display_lift)[display]."""

    facings_beta: float = 0.15
    eye_lift: float = 0.15
    display_lift: float = 0.5
    source: str = "prior"  # "prior", "estimate" or "shrunk"


@dataclass(frozen=True)
class ResponseParams:
    by_category: Mapping[str, CategoryResponse] = field(default_factory=dict)
    default: CategoryResponse = field(default_factory=CategoryResponse)

    def for_category(self, category: str) -> CategoryResponse:
        return self.by_category.get(category, self.default)


@dataclass(frozen=True)
class PlanParams:
    """Facing bounds: lower = days of supply (when the fixture can hold it), upper = a multiple of it."""

    dos_cap_multiplier: float = 2.0  # never more than this many days-of-supply worth of facings...
    max_facings_floor: int = 2  # ...unless that is below this many facings
    max_facings: int = 12  # absolute cap per product
    max_orders_tried: int = 24  # category/product sequences the layout search evaluates


@dataclass(frozen=True)
class Placement:
    product_id: int | str
    level: int
    position: int  # 1 = leftmost on the level
    facings: int
    x_cm: float = 0.0  # left edge on the level
    width_cm: float = 0.0  # facings * product width
    category: str = ""
    expected_daily_profit: float = 0.0


@dataclass(frozen=True)
class Unplaced:
    product_id: int | str
    # "requires_chilling", "too_wide", "no_space", "no_cooler", "no_fixture", "no_gain"
    reason: str


@dataclass(frozen=True)
class FixturePlan:
    fixture: FixtureSpec
    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...] = ()
    dos_shortfall: tuple[int | str, ...] = ()  # placed, but fewer facings than days of supply need
    expected_daily_profit: float = 0.0
    upper_bound: float = 0.0  # LP-relaxation bound on any feasible plan's profit

    def placement_for(self, product_id: int | str) -> Placement | None:
        return next((p for p in self.placements if p.product_id == product_id), None)


@dataclass(frozen=True)
class FixtureAssignment:
    """Which products each fixture of a store gets (before the per-fixture plan)."""

    by_fixture: Mapping[int | str, tuple[int | str, ...]]
    unplaced: tuple[Unplaced, ...] = ()
