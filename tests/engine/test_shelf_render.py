"""SVG planogram and change list."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.engine.shelf.changes import diff_plan
from recommendations.engine.shelf.planner import plan_fixture
from recommendations.engine.shelf.svg import (
    PALETTE,
    category_colour,
    category_colours,
    distinct_suffix_length,
    fit_name,
    render_planogram,
    text_width,
)
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
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))
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


def _blocks(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return {
        str(b.get("data-product-id")): b for b in root.iter(f"{NS}g") if b.get("class") == "product"
    }


def _fill(block: ET.Element) -> str:
    return str(next(r for r in block.iter(f"{NS}rect") if r.get("class") == "block").get("fill"))


def _drinks_plan():
    fx = FixtureSpec(3, 60, 3, 2)
    products = [
        ProductSpec(i, cat, 6.6, 1.0, 1.0 + i / 3, 6, 3)
        for i, cat in enumerate(["11", "11", "12", "12", "13", "14"])
    ]
    return plan_fixture(fx, products)


def test_colours_come_from_the_category_key_not_its_translated_name():
    plan = _drinks_plan()
    zh = {"11": "饮料", "12": "乳品", "13": "零食", "14": "日用品"}
    en = {"11": "Drinks", "12": "Dairy", "13": "Snacks", "14": "Household"}
    a = _blocks(render_planogram(plan, category_names=zh))
    b = _blocks(render_planogram(plan, category_names=en))
    assert {k: _fill(v) for k, v in a.items()} == {k: _fill(v) for k, v in b.items()}
    # a numeric id picks entry id % 20; ids 11..14 are four different entries
    assert {_fill(v) for v in a.values()} == {PALETTE[11], PALETTE[12], PALETTE[13], PALETTE[14]}


def test_two_categories_of_a_plan_never_share_a_colour():
    # 1 and 21 both prefer entry 1: the later one (by key) takes the next free entry
    assert category_colours(["1", "21"]) == {"1": PALETTE[1], "21": PALETTE[2]}
    many = [str(i) for i in range(45)] + [f"code-{i}" for i in range(10)]
    colours = category_colours(many)
    assert len(set(colours.values())) == len(many) == 55
    # the first 20 ids keep their own entries whatever else is in the plan
    assert all(colours[str(i)] == PALETTE[i] for i in range(20))
    # hashed codes: 20 codes in one plan still get 20 different colours
    codes = category_colours([f"cat-{c}" for c in "abcdefghijklmnopqrst"])
    assert sorted(codes.values()) == sorted(PALETTE)


def test_text_width_counts_cjk_as_one_em():
    assert text_width("农夫山泉", 10) == 40
    assert text_width("iii", 10) < text_width("mmm", 10) == 30


def test_long_names_wrap_or_shrink_within_the_block_and_skus_tell_lookalikes_apart():
    fx = FixtureSpec(4, 40, 1, 1)
    twins = [ProductSpec(i, "9", 6.6, 1.0, 1.0, 6, 3) for i in (1, 2)]
    plan = plan_fixture(fx, twins)
    name = "元气森林 白桃味苏打气泡水 480ml 整箱装"
    svg = render_planogram(plan, {1: name, 2: name}, skus={1: "LST00017", 2: "LST00018"})
    blocks = _blocks(svg)
    assert set(blocks) == {"1", "2"}
    seen = set()
    for pid, block in blocks.items():
        rect = next(r for r in block.iter(f"{NS}rect") if r.get("class") == "block")
        left, width = float(rect.get("x")), float(rect.get("width"))
        texts = list(block.iter(f"{NS}text"))
        name_el = next(t for t in texts if t.get("class") == "name")
        size = float(name_el.get("font-size"))
        lines = [t.text for t in name_el.iter(f"{NS}tspan")]
        assert 2 <= len(lines) <= 3 and size >= 7  # wrapped, not cut to a few characters
        assert sum(len(x) for x in lines) >= 8
        for tspan in name_el.iter(f"{NS}tspan"):
            assert float(tspan.get("x")) + text_width(tspan.text, size) <= left + width
        sku = next(t for t in texts if t.get("class") == "sku")
        assert sku.text.endswith("LST00017"[-3:] if pid == "1" else "LST00018"[-3:])
        assert block.get("data-sku") == ("LST00017" if pid == "1" else "LST00018")
        assert float(sku.get("x")) + text_width(sku.text, float(sku.get("font-size"))) <= (
            left + width
        )
        seen.add(sku.text)
    assert len(seen) == 2  # the twins' labels differ


def test_distinct_suffix_is_the_shortest_unique_ending():
    assert distinct_suffix_length(["LST00017", "LST00018"]) == 3
    assert distinct_suffix_length(["A-1000", "B-1000"]) == 6
    assert distinct_suffix_length([]) == 3


def test_fit_name_keeps_the_largest_font_that_fits():
    size, lines = fit_name("Cola", 200, 40)
    assert (size, lines) == (11, ["Cola"])
    # 44 px at 11 px would need three lines; two fit 28 px at 10 px
    assert fit_name("农夫山泉 550ml", 40, 28) == (10, ["农夫山泉", "550ml"])
    size, lines = fit_name("农夫山泉 550ml 整箱装 24瓶 特惠", 30, 28)  # cut only at 7 px
    assert size == 7 and len(lines) == 3 and lines[-1].endswith("…")


def test_legend_labels_never_overlap_and_stay_on_the_canvas():
    fx = FixtureSpec(5, 60, 2, 2)
    cats = [str(i) for i in range(1, 9)]
    products = [ProductSpec(i, cats[i % 8], 5, 1.0, 1.0, 6, 3) for i in range(16)]
    plan = plan_fixture(fx, products)
    labels = {
        c: ("冷藏乳制品及饮品" * (1 + int(c) % 3)) if int(c) % 2 else f"Category {c} long"
        for c in cats
    }
    root = ET.fromstring(render_planogram(plan, category_names=labels))  # noqa: S314
    total_w = float(root.get("width"))
    total_h = float(root.get("height"))
    boxes = []
    for item in root.iter(f"{NS}g"):
        if item.get("class") != "legend-item":
            continue
        rect = next(item.iter(f"{NS}rect"))
        text = next(item.iter(f"{NS}text"))
        x0 = float(rect.get("x"))
        x1 = float(text.get("x")) + text_width(text.text, float(text.get("font-size")))
        y0 = float(rect.get("y"))
        boxes.append((x0, x1, y0, y0 + 12))
        assert x1 <= total_w and y0 + 12 <= total_h
    assert len(boxes) == len({p.category for p in plan.placements}) == 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)
    assert len({b[2] for b in boxes}) > 1  # long labels went onto more rows


def test_eye_level_is_drawn_not_a_glyph():
    plan = _drinks_plan()
    svg = render_planogram(plan)
    assert "\U0001f441" not in svg and "👁" not in svg
    root = ET.fromstring(svg)  # noqa: S314
    markers = [g for g in root.iter(f"{NS}g") if g.get("class") == "eye-marker"]
    assert len(markers) == 1
    assert markers[0].find(f"{NS}path") is not None and markers[0].find(f"{NS}circle") is not None
