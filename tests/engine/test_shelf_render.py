"""SVG planogram and change list."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.engine.shelf.changes import diff_plan
from recommendations.engine.shelf.planner import plan_fixture
from recommendations.engine.shelf.svg import category_colour, render_planogram
from recommendations.engine.shelf.types import (
    CategoryResponse,
    FixturePlan,
    FixtureSpec,
    Placement,
    ProductSpec,
    ResponseParams,
)

NS = "{http://www.w3.org/2000/svg}"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))),
    st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=12),
)
def test_svg_is_xml_with_one_block_per_placed_product(levels_eye, names):
    levels, eye = levels_eye
    fx = FixtureSpec(7, 90, levels, eye)
    products = [ProductSpec(i, f"c{i % 3}", 7, 1, 1 + i, 6, 3) for i in range(len(names))]
    plan = plan_fixture(fx, products)
    label = dict(enumerate(names))
    root = ET.fromstring(render_planogram(plan, label))  # noqa: S314 - our own output
    blocks = root.findall(f".//{NS}g[@data-product-id]")
    assert sorted(b.get("data-product-id") for b in blocks) == sorted(
        str(p.product_id) for p in plan.placements
    )
    assert len(root.findall(f".//{NS}rect[@class='level eye-level']")) == 1


def test_svg_escapes_names_and_keeps_chinese():
    fx = FixtureSpec(1, 60, 2, 2)
    plan = plan_fixture(fx, [ProductSpec(1, "水", 10, 1, 2), ProductSpec(2, "<&>", 10, 1, 1)])
    svg = render_planogram(plan, {1: "农夫山泉 550ml", 2: 'A & B <"x">'})
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    texts = "".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "农夫山泉" in texts
    assert category_colour("水") == category_colour("水")


def test_diff_instructions_for_a_known_case():
    fx = FixtureSpec(1, 60, 4, 4)
    resp = ResponseParams(default=CategoryResponse(0.2, 0.2, 0.0))
    water = ProductSpec(
        10, "水", 6, 1.0, 3.0, 6, 3, name="农夫山泉 550ml", name_en="Nongfu Spring 550ml"
    )
    tea = ProductSpec(11, "茶", 8, 0.5, 1.0, 6, 3, name="康师傅绿茶")
    gum = ProductSpec(12, "糖", 5, 0.3, 0.2, 6, 3, name="口香糖")
    current = [
        Placement(10, 2, 1, 2),
        Placement(11, 4, 1, 1),
        Placement(12, 3, 1, 2),
    ]
    plan = FixturePlan(
        fx,
        (
            Placement(10, 4, 1, 3, category="水"),
            Placement(11, 4, 2, 2, category="茶"),
        ),
    )
    diff = diff_plan(current, plan, [water, tea, gum], resp)
    got = {c.product_id: c for c in diff.instructions}
    assert [c.action for c in diff.instructions] == ["remove", "move", "facings"]
    move = got[10].as_dict()
    assert {
        k: move[k] for k in ("action", "from_level", "to_level", "from_facings", "to_facings")
    } == {
        "action": "move",
        "from_level": 2,
        "to_level": 4,
        "from_facings": 2,
        "to_facings": 3,
    }
    assert move["to_eye_level"] is True
    assert (got[11].action, got[11].from_facings, got[11].to_facings) == ("facings", 1, 2)
    assert got[11].to_eye_level is True  # the tea stays on level 4, the eye level
    assert (got[12].from_level, got[12].to_level, got[12].to_eye_level) == (3, None, False)
    assert got[12].action == "remove" and got[12].daily_profit_change < 0
    # the water gains from eye level (1.2x) and a third facing ((3/1)^0.2 vs (2/1)^0.2, capped by stock)
    assert got[10].daily_profit_change > 0
    assert diff.daily_profit_change == pytest.approx(
        sum(c.daily_profit_change for c in diff.instructions), abs=1e-3
    )
