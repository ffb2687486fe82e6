"""Shelf plans: hard rules under random fixtures and catalogs, and agreement with brute force."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommendations.engine.shelf.bruteforce import brute_force_plan_value
from recommendations.engine.shelf.knapsack import (
    allocate_facings,
    brute_force_facings,
    lp_bound,
    profit_curve,
)
from recommendations.engine.shelf.planner import facing_bounds, plan_fixture
from recommendations.engine.shelf.store import assign_products_to_fixtures, plan_store
from recommendations.engine.shelf.types import (
    CategoryResponse,
    FixtureSpec,
    PlanParams,
    ProductSpec,
    ResponseParams,
)
from recommendations.engine.shelf.validate import categories_contiguous, plan_violations

CATS = ["water", "tea", "snacks", "noodles", "dairy"]


@st.composite
def fixtures(draw, kind=None):
    levels = draw(st.integers(1, 5))
    return FixtureSpec(
        fixture_id=draw(st.integers(1, 99)),
        width_cm=draw(st.sampled_from([30, 45, 60, 90, 120])),
        levels=levels,
        eye_level=draw(st.integers(1, levels)),
        kind=kind or draw(st.sampled_from(["shelf", "cooler", "counter", "end_cap"])),
    )


@st.composite
def catalogs(draw, max_size=14):
    n = draw(st.integers(1, max_size))
    return [
        ProductSpec(
            product_id=i,
            category=draw(st.sampled_from(CATS[: draw(st.integers(1, 4))])),
            width_cm=draw(st.sampled_from([4, 5, 6.5, 8, 10, 25, 70])),
            unit_margin=draw(st.floats(0.05, 5)),
            daily_demand=draw(st.floats(0, 20)),
            units_per_facing=draw(st.integers(1, 10)),
            days_of_supply=draw(st.sampled_from([0, 1, 2, 3.5, 7])),
            requires_chilling=draw(st.booleans()),
            ref_facings=draw(st.sampled_from([1, 2, 3])),
            ref_eye_level=draw(st.booleans()),
        )
        for i in range(n)
    ]


responses = st.builds(
    CategoryResponse,
    facings_beta=st.floats(0.0, 0.5),
    eye_lift=st.floats(0.0, 0.5),
    display_lift=st.floats(0.0, 1.0),
).map(lambda r: ResponseParams(default=r))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fixtures(), catalogs(), responses)
def test_plans_never_break_a_rule(fx, products, response):
    plan = plan_fixture(fx, products, response)
    assert plan_violations(plan, products) == []
    unplaced = {u.product_id: u.reason for u in plan.unplaced}
    for p in products:
        if p.requires_chilling and fx.kind != "cooler":
            assert unplaced[p.product_id] == "requires_chilling"
        if p.width_cm > fx.width_cm and fx.kind == "cooler":
            assert unplaced[p.product_id] == "too_wide"
    # Products are only reported as not fitting when one facing each cannot fit at all.
    eligible = [
        p
        for p in products
        if (fx.kind == "cooler" or not p.requires_chilling) and p.width_cm <= fx.width_cm
    ]
    if sum(p.width_cm for p in eligible) <= fx.width_cm and eligible:
        assert all(r != "no_space" for r in unplaced.values())
    assert plan.expected_daily_profit <= plan.upper_bound + 1e-6
    assert plan.expected_daily_profit == pytest.approx(
        sum(p.expected_daily_profit for p in plan.placements)
    )


def test_every_product_fits_when_space_allows_and_dos_respected():
    fx = FixtureSpec(1, 100, 4, 3)
    products = [ProductSpec(i, CATS[i % 3], 8, 1.0, 2.0, 6, 3.0) for i in range(12)]
    plan = plan_fixture(fx, products)
    assert plan.unplaced == () and plan.dos_shortfall == ()
    for pl in plan.placements:
        assert pl.facings >= 1  # 2/day * 3 days / 6 per facing = 1 facing needed
    assert categories_contiguous(plan)


def test_products_that_do_not_fit_are_reported_not_dropped():
    fx = FixtureSpec(1, 30, 1, 1)
    products = [ProductSpec(i, "a", 10, 1.0 + i, 1.0) for i in range(5)]
    plan = plan_fixture(fx, products)
    assert len(plan.placements) == 3
    assert sorted(u.product_id for u in plan.unplaced) == [0, 1]  # least profitable per cm
    assert {u.reason for u in plan.unplaced} == {"no_space"}


def test_days_of_supply_sets_minimum_and_cap():
    fx = FixtureSpec(1, 200, 1, 1)
    fast = ProductSpec("fast", "a", 5, 1.0, 10.0, units_per_facing=6, days_of_supply=3)
    assert facing_bounds(fast, fx, PlanParams()) == (5, 10)  # 30 units need 5; cap 2x
    plan = plan_fixture(fx, [fast])
    assert 5 <= plan.placements[0].facings <= 10


def test_highest_profit_per_cm_goes_to_eye_level():
    fx = FixtureSpec(1, 40, 3, 2)
    products = [ProductSpec(i, "a", 10, m, 1.0, 10, 1) for i, m in enumerate([0.5, 1, 8, 2])]
    plan = plan_fixture(fx, products, ResponseParams(default=CategoryResponse(0.1, 0.3, 0)))
    assert plan.placement_for(2).level == 2


@pytest.mark.parametrize("seed", range(60))
def test_facings_greedy_matches_brute_force(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 5)
    equal = seed % 2 == 0
    widths = [6.0] * n if equal else [rng.choice([4, 5, 7, 9, 12]) for _ in range(n)]
    curves, lo, hi = [], [], []
    for _ in range(n):
        p = ProductSpec(
            0,
            "a",
            1,
            rng.uniform(0.1, 3),
            rng.uniform(0.1, 10),
            rng.randint(1, 6),
            rng.choice([0, 2, 5]),
        )
        curves.append(
            profit_curve(
                p, CategoryResponse(rng.uniform(0.05, 0.4)), eye=False, display=False, max_facings=5
            ).tolist()
        )
        lo.append(rng.randint(1, 2))
        hi.append(rng.randint(lo[-1], 5))
    cap = rng.uniform(
        sum(w * k for w, k in zip(widths, lo, strict=False)),
        sum(w * k for w, k in zip(widths, hi, strict=False)),
    )
    greedy = allocate_facings(widths, curves, lo, hi, cap)
    exact = brute_force_facings(widths, curves, lo, hi, cap)
    assert greedy is not None and exact is not None
    assert greedy.used_cm <= cap + 1e-9
    assert greedy.value <= exact.value + 1e-9 <= lp_bound(widths, curves, lo, hi, cap) + 2e-9
    if equal:  # unit widths: the greedy is exact
        assert greedy.value == pytest.approx(exact.value, rel=1e-12, abs=1e-12)
    else:  # greedy + repair: exact on 488/500 random cases, worst gap 2.2% (docs/shelf.md)
        assert greedy.value >= 0.97 * exact.value


@pytest.mark.parametrize("seed", range(25))
def test_fixture_plan_matches_brute_force(seed):
    rng = random.Random(1000 + seed)
    levels = rng.randint(1, 3)
    fx = FixtureSpec(1, rng.choice([20, 24, 30]), levels, rng.randint(1, levels))
    products = [
        ProductSpec(
            i,
            rng.choice(["a", "b", "c"]),
            rng.choice([5, 6, 8]),
            rng.uniform(0.2, 3),
            rng.uniform(0.2, 6),
            rng.randint(2, 6),
            rng.choice([1, 2, 3]),
        )
        for i in range(rng.randint(2, 4))
    ]
    response = ResponseParams(default=CategoryResponse(rng.uniform(0.05, 0.4), rng.uniform(0, 0.4)))
    params = PlanParams(max_facings=3)
    plan = plan_fixture(fx, products, response, params)
    exact = brute_force_plan_value(fx, products, response, params)
    if exact is None:
        assert plan.placements == () or plan.unplaced
        return
    assert plan_violations(plan, products, params) == []
    assert plan.expected_daily_profit <= exact + 1e-9
    # exact on 228/267 random cases, mean gap 0.46%, worst 11.6% (docs/shelf.md); these seeds: >= 97%
    assert plan.expected_daily_profit >= 0.97 * exact


def test_store_assignment_chilled_to_coolers_and_categories_grouped():
    fixtures = [
        FixtureSpec("dry", 100, 5, 3),
        FixtureSpec("cold", 60, 4, 3, kind="cooler"),
        FixtureSpec("dry2", 90, 5, 3),
    ]
    products = [
        ProductSpec(i, CATS[i % 4], 7, 1.0, 1.0, 6, 3, requires_chilling=(i % 4 == 3))
        for i in range(24)
    ]
    assignment = assign_products_to_fixtures(fixtures, products)
    chilled = {p.product_id for p in products if p.requires_chilling}
    assert set(assignment.by_fixture["cold"]) == chilled
    cat_of = {p.product_id: p.category for p in products}
    for fid in ("dry", "dry2"):
        assert not chilled & set(assignment.by_fixture[fid])
    homes = {
        c: {f for f, ids in assignment.by_fixture.items() for i in ids if cat_of[i] == c}
        for c in CATS[:4]
    }
    assert all(len(h) == 1 for h in homes.values())
    _, plans = plan_store(fixtures, products)
    for fid, plan in plans.items():
        ps = [p for p in products if p.product_id in assignment.by_fixture[fid]]
        assert plan_violations(plan, ps) == []


def test_no_cooler_is_reported():
    assignment = assign_products_to_fixtures(
        [FixtureSpec(1, 90, 4, 3)], [ProductSpec(1, "milk", 7, 1, 1, requires_chilling=True)]
    )
    assert [(u.product_id, u.reason) for u in assignment.unplaced] == [(1, "no_cooler")]


def test_plans_are_deterministic():
    rng = random.Random(5)
    fx = FixtureSpec(1, 90, 4, 3)
    products = [
        ProductSpec(
            i,
            rng.choice(CATS),
            rng.choice([5, 7, 9]),
            rng.uniform(0.2, 2),
            rng.uniform(0.1, 5),
            6,
            3,
        )
        for i in range(20)
    ]
    assert plan_fixture(fx, products) == plan_fixture(fx, products)


def test_every_fixture_of_a_store_gets_products_when_enough_fit():
    """Three shelves, two coolers, a counter and an end cap (a demo store), far more than enough
    products: no fixture is left empty, coolers hold only the chilled products and every chilled
    product is in a cooler."""
    fixtures = [
        *(FixtureSpec(f"shelf{i}", 120, 5, 4) for i in range(3)),
        FixtureSpec("cold1", 90, 5, 3, kind="cooler"),
        FixtureSpec("cold2", 90, 5, 3, kind="cooler"),
        FixtureSpec("till", 60, 2, 2, kind="counter"),
        FixtureSpec("cap", 90, 4, 3, kind="end_cap"),
    ]
    dry_cats, cold_cats = ["drinks", "snacks", "noodles", "household"], ["dairy"]
    products = [
        ProductSpec(i, dry_cats[i % 4], 6 + i % 3, 0.5 + (i % 5) / 5, 0.2 + (i % 7) / 3, 6, 3)
        for i in range(60)
    ] + [
        ProductSpec(100 + i, cold_cats[0], 7, 1.0, 1.0 + i / 4, 6, 3, requires_chilling=True)
        for i in range(8)
    ]
    assignment = assign_products_to_fixtures(fixtures, products)
    assert all(assignment.by_fixture[f.fixture_id] for f in fixtures), assignment.by_fixture
    chilled = {p.product_id for p in products if p.requires_chilling}
    in_coolers = set(assignment.by_fixture["cold1"]) | set(assignment.by_fixture["cold2"])
    assert in_coolers == chilled
    every = [i for ids in assignment.by_fixture.values() for i in ids]
    assert sorted(every) == sorted(p.product_id for p in products)  # each product once
    _, plans = plan_store(fixtures, products)
    assert all(plans[f.fixture_id].placements for f in fixtures)


def test_one_chilled_product_leaves_the_second_cooler_empty():
    fixtures = [
        FixtureSpec("cold1", 90, 5, 3, kind="cooler"),
        FixtureSpec("cold2", 90, 5, 3, kind="cooler"),
    ]
    assignment = assign_products_to_fixtures(
        fixtures, [ProductSpec(1, "dairy", 7, 1, 1, requires_chilling=True)]
    )
    assert sorted(len(v) for v in assignment.by_fixture.values()) == [0, 1]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fixtures(), catalogs(), responses, st.randoms(use_true_random=False))
def test_settled_plans_keep_every_rule_and_never_lose_profit(fx, products, response, rnd):
    """Today's layout: a naive layout of a shuffled subset (with today's levels passed to the
    planner); settling the plan against it breaks no rule, costs under half a cent a day per
    change it undoes, and leaves no facings change that gains nothing and
    could simply be undone."""
    from recommendations.engine.shelf import diff_plan, settle_plans
    from recommendations.engine.shelf.settle import MIN_GAIN
    from recommendations.services.shelf.layouts import naive_layout

    subset = [p for p in products if rnd.random() < 0.7]
    rnd.shuffle(subset)
    current = [
        pl
        for pl in naive_layout(fx, subset, facings=rnd.choice([1, 2, 3]))
        if not (products[int(pl.product_id)].requires_chilling and fx.kind != "cooler")
    ]
    plan = plan_fixture(fx, products, response, stay={pl.product_id: pl.level for pl in current})
    assert plan_violations(plan, products) == []
    settled = settle_plans({fx.fixture_id: plan}, {fx.fixture_id: current}, products, response)[
        fx.fixture_id
    ]
    assert plan_violations(settled, products) == []
    # each change put back (or addition left off) gained under MIN_GAIN: it costs less than that
    undone = len(diff_plan(current, plan, products, response).instructions) - len(
        diff_plan(current, settled, products, response).instructions
    )
    assert undone >= 0
    assert settled.expected_daily_profit >= plan.expected_daily_profit - undone * MIN_GAIN - 1e-9
    if plan.placements:
        assert settled.placements  # never empties a fixture
    diff = diff_plan(current, settled, products, response)
    kept = {pl.product_id: pl for pl in settled.placements}
    for c in diff.instructions:
        if c.daily_profit_change >= MIN_GAIN or c.action != "facings":
            continue
        # a facings change that gains nothing stays only if today's facings no longer fit
        now = next(pl for pl in current if pl.product_id == c.product_id)
        spec = products[int(c.product_id)]
        level_used = sum(
            products[int(p.product_id)].width_cm * p.facings
            for p in settled.placements
            if p.level == now.level
        )
        extra = spec.width_cm * (now.facings - kept[c.product_id].facings)
        assert (
            level_used + extra > fx.width_cm + 1e-6
            or now.facings > facing_bounds(spec, fx, PlanParams())[1]
        )
