"""Render a fixture plan as an SVG planogram (xml.etree, so names are escaped and the XML valid)."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .types import FixturePlan

# Colour-blind-friendly palette (Okabe-Ito + Tableau 10 tints); a category keeps its colour
# across fixtures and runs because it is picked by a hash of the category name.
PALETTE = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#8CD17D",
    "#B6992D",
    "#86BCB6",
    "#FF9D9A",
    "#BAB0AC",
)

SCALE = 6.0  # px per cm
LEVEL_H = 70.0
MARGIN = 24.0
LABEL_W = 64.0


def _safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (escaping alone cannot make them valid)."""
    return _XML_INVALID.sub("", text)


def category_colour(category: str) -> str:
    digest = hashlib.sha256(category.encode("utf-8")).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clip(text: str, max_chars: int) -> str:
    text = _safe(text)
    return text if len(text) <= max_chars else text[: max(1, max_chars - 1)] + "…"


def render_planogram(
    plan: FixturePlan,
    names: Mapping[int | str, str] | None = None,
    *,
    title: str | None = None,
) -> str:
    """SVG text: fixture outline, levels (top drawn first), one ``<g data-product-id>`` per product.

    ``names`` maps product id to the label shown (e.g. the Chinese name); ids are shown otherwise.
    """
    names = names or {}
    fx = plan.fixture
    width = fx.width_cm * SCALE
    height = fx.levels * LEVEL_H
    total_w = LABEL_W + width + 2 * MARGIN
    total_h = height + 2 * MARGIN + 28
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
    ET.SubElement(svg, "title").text = _safe(title or fx.name or f"fixture {fx.fixture_id}")
    ET.SubElement(
        svg,
        "text",
        {"x": f"{MARGIN:.0f}", "y": f"{MARGIN:.0f}", "font-size": "14", "font-weight": "bold"},
    ).text = _safe(title or fx.name or f"fixture {fx.fixture_id} ({fx.kind})")
    x0, y0 = MARGIN + LABEL_W, MARGIN + 12

    def level_top(level: int) -> float:
        return y0 + (fx.levels - level) * LEVEL_H

    for level in range(fx.levels, 0, -1):
        top = level_top(level)
        eye = level == fx.eye_level
        attrs = {
            "x": f"{x0:.1f}",
            "y": f"{top:.1f}",
            "width": f"{width:.1f}",
            "height": f"{LEVEL_H:.1f}",
            "fill": "#FFF8E1" if eye else "#F7F7F7",
            "stroke": "#999",
            "class": "level eye-level" if eye else "level",
            "data-level": str(level),
        }
        ET.SubElement(svg, "rect", attrs)
        label = f"L{level}" + (" 👁" if eye else "")
        ET.SubElement(
            svg,
            "text",
            {"x": f"{MARGIN:.0f}", "y": f"{top + LEVEL_H / 2 + 4:.1f}", "font-size": "12"},
        ).text = label
    for p in plan.placements:
        top = level_top(p.level)
        x = x0 + p.x_cm * SCALE
        w = p.width_cm * SCALE
        g = ET.SubElement(
            svg,
            "g",
            {
                "class": "product",
                "data-product-id": str(p.product_id),
                "data-category": _safe(p.category),
                "data-level": str(p.level),
                "data-facings": str(p.facings),
            },
        )
        name = names.get(p.product_id, str(p.product_id))
        ET.SubElement(g, "title").text = _safe(f"{name} — {p.category} ×{p.facings}")
        ET.SubElement(
            g,
            "rect",
            {
                "x": f"{x + 1:.1f}",
                "y": f"{top + 6:.1f}",
                "width": f"{max(w - 2, 1):.1f}",
                "height": f"{LEVEL_H - 10:.1f}",
                "rx": "3",
                "fill": category_colour(p.category),
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
                    "y1": f"{top + 10:.1f}",
                    "y2": f"{top + LEVEL_H - 8:.1f}",
                    "stroke": "#333",
                    "stroke-opacity": "0.3",
                },
            )
        max_chars = max(1, int(w / 11))
        ET.SubElement(
            g,
            "text",
            {"x": f"{x + 4:.1f}", "y": f"{top + 26:.1f}", "font-size": "11"},
        ).text = _clip(name, max_chars)
        ET.SubElement(
            g,
            "text",
            {"x": f"{x + 4:.1f}", "y": f"{top + LEVEL_H - 12:.1f}", "font-size": "11"},
        ).text = f"×{p.facings}"
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
    legend_y = y0 + height + 20
    lx = x0
    for cat in sorted({p.category for p in plan.placements}):
        ET.SubElement(
            svg,
            "rect",
            {
                "x": f"{lx:.1f}",
                "y": f"{legend_y - 10:.1f}",
                "width": "12",
                "height": "12",
                "fill": category_colour(cat),
            },
        )
        ET.SubElement(
            svg, "text", {"x": f"{lx + 16:.1f}", "y": f"{legend_y:.1f}", "font-size": "11"}
        ).text = _safe(cat)
        lx += 24 + 7 * len(cat)
    return ET.tostring(svg, encoding="unicode")
