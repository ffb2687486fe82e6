"""Settling a plan against today's layout: only changes that gain, and those they need."""

from recommendations.engine.shelf import (
    FixturePlan,
    FixtureSpec,
    Placement,
    ProductSpec,
    ResponseParams,
    diff_plan,
    layout_profit,
    plan_violations,
    settle_plans,
)
from recommendations.engine.shelf.types import CategoryResponse

RESP = ResponseParams(default=CategoryResponse(0.2, 0.25, 0.0))
FX = FixtureSpec("f", 60, 2, 2)
SELLER = ProductSpec("a", "x", 10, 1.0, 4.0, 10, 1, ref_facings=2)  # sells 4 a day
IDLE = ProductSpec("z", "x", 10, 1.0, 0.0, 10, 1, ref_facings=2)  # sells nothing


def _plan(fx, *placements):
    x: dict[int, float] = {}
    out = []
    for pid, level, pos, f, cat, width in placements:
        out.append(Placement(pid, level, pos, f, x.get(level, 0.0), width * f, cat))
        x[level] = x.get(level, 0.0) + width * f
    return FixturePlan(fx, tuple(out))


def test_a_move_that_gains_nothing_is_put_back():
    current = [Placement("z", 2, 1, 2, 0, 20, "x"), Placement("a", 1, 1, 2, 0, 20, "x")]
    plan = _plan(FX, ("a", 2, 1, 2, "x", 10), ("z", 1, 1, 2, "x", 10))
    before = diff_plan(current, plan, [SELLER, IDLE], RESP)
    assert [(c.action, c.product_id) for c in before.instructions] == [("move", "a"), ("move", "z")]
    assert round(before.instructions[1].daily_profit_change, 2) == 0.0
    settled = settle_plans({"f": plan}, {"f": current}, [SELLER, IDLE], RESP)["f"]
    after = diff_plan(current, settled, [SELLER, IDLE], RESP)
    assert [(c.action, c.product_id, c.to_level) for c in after.instructions] == [("move", "a", 2)]
    assert after.instructions[0].daily_profit_change > 0.005
    assert plan_violations(settled, [SELLER, IDLE]) == []
    # both at eye level now: z back where it was, next to a (its own category)
    assert [(p.product_id, p.level, p.x_cm) for p in settled.placements] == [
        ("a", 2, 0.0),
        ("z", 2, 20.0),
    ]
    assert settled.expected_daily_profit == layout_profit(
        FX, [SELLER, IDLE], settled.placements, RESP
    )


def test_a_move_that_makes_room_for_a_gain_stays():
    wide_seller = ProductSpec("a", "x", 30, 1.0, 4.0, 10, 1, ref_facings=2)
    wide_idle = ProductSpec("z", "x", 30, 1.0, 0.0, 10, 1, ref_facings=2)
    current = [Placement("z", 2, 1, 1, 0, 30, "x"), Placement("a", 1, 1, 1, 0, 30, "x")]
    plan = _plan(FX, ("a", 2, 1, 2, "x", 30), ("z", 1, 1, 1, "x", 30))  # a fills the eye level
    settled = settle_plans({"f": plan}, {"f": current}, [wide_seller, wide_idle], RESP)["f"]
    after = diff_plan(current, settled, [wide_seller, wide_idle], RESP)
    assert [(c.action, c.product_id) for c in after.instructions] == [("move", "a"), ("move", "z")]
    assert round(after.instructions[1].daily_profit_change, 2) == 0.0  # required: kept
    assert settled.placements == plan.placements


def test_an_addition_that_gains_nothing_is_left_off_and_reported():
    plan = _plan(FX, ("a", 2, 1, 2, "x", 10), ("z", 2, 2, 1, "x", 10))
    current = [Placement("a", 2, 1, 2, 0, 20, "x")]
    settled = settle_plans({"f": plan}, {"f": current}, [SELLER, IDLE], RESP)["f"]
    assert [p.product_id for p in settled.placements] == ["a"]
    assert [(u.product_id, u.reason) for u in settled.unplaced] == [("z", "no_gain")]
    assert diff_plan(current, settled, [SELLER, IDLE], RESP).instructions == ()
    assert plan_violations(settled, [SELLER, IDLE]) == []


def test_a_move_between_fixtures_is_put_back_as_a_whole():
    other = FixtureSpec("g", 60, 2, 2)
    current = {
        "f": [Placement("z", 1, 1, 2, 0, 20, "x")],
        "g": [Placement("a", 2, 1, 2, 0, 20, "x")],
    }
    new_f = ProductSpec("c", "w", 10, 1.0, 2.0, 10, 1)
    new_g = ProductSpec("b", "y", 10, 1.0, 2.0, 10, 1)
    plans = {  # a and z swap fixtures: a loses its eye level, z gains nothing
        "f": _plan(FX, ("c", 2, 1, 1, "w", 10), ("a", 1, 1, 2, "x", 10)),
        "g": _plan(other, ("b", 2, 1, 1, "y", 10), ("z", 1, 1, 2, "x", 10)),
    }
    specs = [SELLER, IDLE, new_f, new_g]
    settled = settle_plans(plans, current, specs, RESP)
    placed = {fid: {p.product_id for p in plan.placements} for fid, plan in settled.items()}
    assert placed == {"f": {"z", "c"}, "g": {"a", "b"}}  # nobody moved; the additions stay
    for fid, plan in settled.items():
        diff = diff_plan(current[fid], plan, specs, RESP)
        assert [c.action for c in diff.instructions] == ["add"]
        assert diff.instructions[0].daily_profit_change > 0.005
        assert plan_violations(plan, [s for s in specs if s.product_id in placed[fid]]) == []


def test_the_last_product_of_an_otherwise_empty_fixture_stays():
    other = FixtureSpec("g", 60, 2, 2)
    current = {"f": [Placement("z", 1, 1, 2, 0, 20, "x"), Placement("a", 2, 1, 2, 0, 20, "x")]}
    plans = {
        "f": _plan(FX, ("a", 2, 1, 2, "x", 10)),
        "g": _plan(other, ("z", 1, 1, 2, "x", 10)),  # z gains nothing on g, but g needs it
    }
    settled = settle_plans(plans, {**current, "g": []}, [SELLER, IDLE], RESP)
    assert [p.product_id for p in settled["g"].placements] == ["z"]


def test_the_planner_keeps_products_on_todays_levels_when_moving_gains_nothing():
    """Two equal sellers below a full eye level: any split of levels 1-2 earns the same, so the
    plan keeps today's (a on 1, b on 2) and lists only the new product's addition."""
    from recommendations.engine.shelf import plan_fixture

    fx = FixtureSpec("f", 60, 3, 3)
    a = ProductSpec("a", "x", 10, 1.0, 0.5, 10, 1)
    b = ProductSpec("b", "x", 10, 1.0, 0.5, 10, 1)
    c = ProductSpec("c", "y", 60, 2.0, 5.0, 10, 1)  # fills the eye level alone
    current = [Placement("b", 2, 1, 2, 0, 20, "x"), Placement("a", 1, 1, 2, 0, 20, "x")]
    for stay_b in (2, 1):  # whichever levels they are on today
        today = [Placement("b", stay_b, 1, 2, 0, 20, "x"), current[1]]
        plan = plan_fixture(fx, [a, b, c], RESP, stay={"a": 1, "b": stay_b})
        levels = {p.product_id: (p.level, p.facings) for p in plan.placements}
        assert levels == {"a": (1, 2), "b": (stay_b, 2), "c": (3, 1)}
        diff = diff_plan(today, plan, [a, b, c], RESP)
        assert [(x.action, x.product_id) for x in diff.instructions] == [("add", "c")]
        # the stay bonus is not profit: the plan's figure is the placements' sum
        assert plan.expected_daily_profit == sum(p.expected_daily_profit for p in plan.placements)
