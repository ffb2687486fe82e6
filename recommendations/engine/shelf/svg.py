"""Render a fixture plan as an SVG planogram (xml.etree, so names are escaped and the XML valid).

Text is laid out from a conservative width estimate (`text_width`: a CJK character 1 em, Latin
letters up to 1 em, digits 0.65 em) so that, whatever font the viewer falls back to, product names
stay inside their blocks and legend labels never run into each other: names wrap to up to three
lines and shrink to 7 px before they are cut (the full name is in the block's `<title>`); every
block shows its SKU, or the shortest SKU ending that tells the plan's products apart.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .palette import PALETTE, category_colour, category_colours, ink
from .svg_text import (
    SKU_SIZE,
    distinct_suffix_length,
    ellipsis,
    fit_name,
    safe,
    sku_label,
    text_width,
)
from .types import FixturePlan

__all__ = [
    "PALETTE",
    "SKU_SIZE",
    "category_colour",
    "category_colours",
    "distinct_suffix_length",
    "fit_name",
    "render_planogram",
    "text_width",
]

SCALE = 6.0  # px per cm
LEVEL_H = 84.0
MARGIN = 24.0
LABEL_W = 64.0
PAD = 3.0  # inside a product block
LEGEND_SIZE = 11.0
LEGEND_ROW = 18.0
SWATCH = 12.0


def _eye_marker(parent: ET.Element, cx: float, cy: float, label: str) -> None:
    """An eye drawn as paths (no glyph: fonts without one would show a box)."""
    g = ET.SubElement(parent, "g", {"class": "eye-marker"})
    ET.SubElement(g, "title").text = safe(label)
    ET.SubElement(
        g,
        "path",
        {
            "d": (
                f"M{cx - 9:.1f},{cy:.1f} Q{cx:.1f},{cy - 8:.1f} {cx + 9:.1f},{cy:.1f} "
                f"Q{cx:.1f},{cy + 8:.1f} {cx - 9:.1f},{cy:.1f} Z"
            ),
            "fill": "#FFFFFF",
            "stroke": "#333333",
            "stroke-width": "1.2",
        },
    )
    ET.SubElement(g, "circle", {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "r": "3", "fill": "#333333"})


def render_planogram(
    plan: FixturePlan,
    names: Mapping[int | str, str] | None = None,
    *,
    title: str | None = None,
    skus: Mapping[int | str, str] | None = None,
    category_names: Mapping[str, str] | None = None,
    eye_label: str = "eye level",
) -> str:
    """SVG text: fixture outline, levels (top drawn first), one ``<g data-product-id>`` per
    product, a legend of the categories.

    ``names`` maps product id to the label shown (e.g. the Chinese name; the id otherwise),
    ``skus`` product id to its SKU (the id otherwise), ``category_names`` a placement's category
    key (its id or code: it picks the colour) to the name shown in the legend (the key otherwise).
    """
    names = names or {}
    skus = skus or {}
    category_names = category_names or {}
    fx = plan.fixture
    width = fx.width_cm * SCALE
    height = fx.levels * LEVEL_H
    heading = safe(title or fx.name or f"fixture {fx.fixture_id} ({fx.kind})")
    total_w = max(LABEL_W + width + 2 * MARGIN, text_width(heading, 14) + 2 * MARGIN)
    colours = category_colours(p.category for p in plan.placements)
    cats = sorted(colours)

    # Legend rows, laid out before the canvas size is known.
    row_w = total_w - 2 * MARGIN
    legend: list[tuple[str, str, float, int]] = []  # key, label, x, row
    lx, row = 0.0, 0
    for cat in cats:
        room = row_w - SWATCH - 4
        label = ellipsis(safe(category_names.get(cat, cat)), room, LEGEND_SIZE)
        item_w = SWATCH + 4 + text_width(label, LEGEND_SIZE)
        if lx > 0 and lx + item_w > row_w:
            lx, row = 0.0, row + 1
        legend.append((cat, label, lx, row))
        lx += item_w + 16
    rows = (row + 1) if legend else 0
    x0, y0 = MARGIN + LABEL_W, MARGIN + 12
    legend_top = y0 + height + 14
    total_h = legend_top + rows * LEGEND_ROW + MARGIN
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": f"{total_w:.0f}",
            "height": f"{total_h:.0f}",
            "viewBox": f"0 0 {total_w:.0f} {total_h:.0f}",
            "font-family": "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif",
            "data-fixture-id": str(fx.fixture_id),
        },
    )
    ET.SubElement(svg, "title").text = heading
    ET.SubElement(
        svg,
        "text",
        {"x": f"{MARGIN:.0f}", "y": f"{MARGIN:.0f}", "font-size": "14", "font-weight": "bold"},
    ).text = heading

    def level_top(level: int) -> float:
        return y0 + (fx.levels - level) * LEVEL_H

    for level in range(fx.levels, 0, -1):
        top = level_top(level)
        eye = level == fx.eye_level
        ET.SubElement(
            svg,
            "rect",
            {
                "x": f"{x0:.1f}",
                "y": f"{top:.1f}",
                "width": f"{width:.1f}",
                "height": f"{LEVEL_H:.1f}",
                "fill": "#FFF8E1" if eye else "#F7F7F7",
                "stroke": "#999",
                "class": "level eye-level" if eye else "level",
                "data-level": str(level),
            },
        )
        ET.SubElement(
            svg,
            "text",
            {"x": f"{MARGIN:.0f}", "y": f"{top + LEVEL_H / 2 + 4:.1f}", "font-size": "12"},
        ).text = f"L{level}"
        if eye:
            _eye_marker(svg, MARGIN + 38, top + LEVEL_H / 2, eye_label)

    suffix = distinct_suffix_length(
        str(skus.get(p.product_id, p.product_id)) for p in plan.placements
    )
    for p in plan.placements:
        top = level_top(p.level)
        x = x0 + p.x_cm * SCALE
        w = p.width_cm * SCALE
        fill = colours[p.category]
        colour_ink = ink(fill)
        name = safe(names.get(p.product_id, str(p.product_id)))
        sku = safe(str(skus.get(p.product_id, p.product_id)))
        cat_label = safe(category_names.get(p.category, p.category))
        g = ET.SubElement(
            svg,
            "g",
            {
                "class": "product",
                "data-product-id": str(p.product_id),
                "data-sku": sku,
                "data-category": safe(p.category),
                "data-level": str(p.level),
                "data-facings": str(p.facings),
            },
        )
        ET.SubElement(g, "title").text = f"{name} ({sku}) — {cat_label} ×{p.facings}"
        block_y, block_h = top + 5, LEVEL_H - 10
        ET.SubElement(
            g,
            "rect",
            {
                "class": "block",
                "x": f"{x + 1:.1f}",
                "y": f"{block_y:.1f}",
                "width": f"{max(w - 2, 1):.1f}",
                "height": f"{block_h:.1f}",
                "rx": "3",
                "fill": fill,
                "stroke": "#333",
                "stroke-width": "0.8",
            },
        )
        for k in range(1, p.facings):  # thin lines between facings
            fx_line = x + k * w / p.facings
            ET.SubElement(
                g,
                "line",
                {
                    "x1": f"{fx_line:.1f}",
                    "x2": f"{fx_line:.1f}",
                    "y1": f"{block_y + 4:.1f}",
                    "y2": f"{block_y + block_h - 4:.1f}",
                    "stroke": "#333",
                    "stroke-opacity": "0.3",
                },
            )
        inner_w = max(w - 2 - 2 * PAD, 1.0)
        sku_text, sku_size = sku_label(sku, suffix, inner_w)
        facings_size = 10.0
        # name on top, then the SKU, the facings at the bottom
        name_h = block_h - 2 * PAD - sku_size * 1.3 - facings_size * 1.3
        size, lines = fit_name(name, inner_w, name_h)
        text = ET.SubElement(
            g,
            "text",
            {"class": "name", "font-size": f"{size:g}", "fill": colour_ink},
        )
        for k, line in enumerate(lines):
            ET.SubElement(
                text,
                "tspan",
                {"x": f"{x + 1 + PAD:.1f}", "y": f"{block_y + PAD + size * (1.0 + 1.2 * k):.1f}"},
            ).text = line
        ET.SubElement(
            g,
            "text",
            {
                "class": "sku",
                "x": f"{x + 1 + PAD:.1f}",
                "y": f"{block_y + block_h - PAD - facings_size * 1.3 - 1:.1f}",
                "font-size": f"{sku_size:g}",
                "fill": colour_ink,
            },
        ).text = sku_text
        ET.SubElement(
            g,
            "text",
            {
                "class": "facings",
                "x": f"{x + 1 + PAD:.1f}",
                "y": f"{block_y + block_h - PAD - 1:.1f}",
                "font-size": f"{facings_size:g}",
                "fill": colour_ink,
            },
        ).text = ellipsis(f"×{p.facings}", inner_w, facings_size)
    ET.SubElement(
        svg,
        "rect",
        {
            "x": f"{x0:.1f}",
            "y": f"{y0:.1f}",
            "width": f"{width:.1f}",
            "height": f"{height:.1f}",
            "fill": "none",
            "stroke": "#333",
            "stroke-width": "2",
            "class": "fixture",
        },
    )
    for cat, label, lx, row in legend:
        ly = legend_top + row * LEGEND_ROW
        g = ET.SubElement(svg, "g", {"class": "legend-item", "data-category": safe(cat)})
        ET.SubElement(
            g,
            "rect",
            {
                "x": f"{MARGIN + lx:.1f}",
                "y": f"{ly:.1f}",
                "width": f"{SWATCH:g}",
                "height": f"{SWATCH:g}",
                "fill": colours[cat],
                "stroke": "#333",
                "stroke-width": "0.5",
            },
        )
        ET.SubElement(
            g,
            "text",
            {
                "class": "legend-label",
                "x": f"{MARGIN + lx + SWATCH + 4:.1f}",
                "y": f"{ly + SWATCH - 2:.1f}",
                "font-size": f"{LEGEND_SIZE:g}",
            },
        ).text = label
    return ET.tostring(svg, encoding="unicode")
