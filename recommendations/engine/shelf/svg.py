"""Render a fixture plan as an SVG planogram (xml.etree, so names are escaped and the XML valid).

Text is laid out from a conservative width estimate (`text_width`: a CJK character 1 em, Latin
letters up to 1 em, digits 0.65 em) so that, whatever font the viewer falls back to, product names
stay inside their blocks and legend labels never run into each other: names wrap to up to three
lines and shrink to 7 px before they are cut (the full name is in the block's `<title>`); every
block shows its SKU, or the shortest SKU ending that tells the plan's products apart.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

from .types import FixturePlan

# 20 distinct colours (Okabe-Ito, then Tableau 10 / 20 tints). A category's colour comes from its
# key (the category id or code, never its translated name): ``int(key) % 20`` for a numeric id,
# else a hash. Two categories of one plan never share one: a clash takes the next free entry, and
# a plan with more than 20 categories gets generated hues for the rest.
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
    "#9D7660",
    "#D4A6C8",
    "#499894",
    "#A0CBE8",
    "#FFBE7D",
    "#B07AA1",
    "#59A14F",
    "#E15759",
)

SCALE = 6.0  # px per cm
LEVEL_H = 84.0
MARGIN = 24.0
LABEL_W = 64.0
PAD = 3.0  # inside a product block
NAME_SIZES = tuple(x / 2 for x in range(22, 13, -1))  # 11 px down to 7 px
SKU_SIZE = 8.0
MIN_SKU_SIZE = 5.0
MIN_SUFFIX = 3
LEGEND_SIZE = 11.0
LEGEND_ROW = 18.0
SWATCH = 12.0

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (escaping alone cannot make them valid)."""
    return _XML_INVALID.sub("", text)


def _char_em(ch: str) -> float:
    """Upper bound of a character's advance in em over common sans fonts (DejaVu is widest)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in "mwMW@%…":
        return 1.0
    if ch in " ilj.,:;'|!()[]{}":
        return 0.45
    if ch.isdigit():
        return 0.65
    if ch.isupper():
        return 0.8
    if ch.isascii():
        return 0.65
    return 1.0  # other scripts, symbols: as wide as a CJK character


def text_width(text: str, size: float) -> float:
    """Conservative rendered width of ``text`` at ``size`` px."""
    return size * sum(_char_em(ch) for ch in text)


def _tokens(text: str) -> list[str]:
    """Words (runs of non-space, non-CJK characters), single CJK characters and spaces."""
    out: list[str] = []
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch.isspace():
            out.append(" ")
        elif wide or not out or out[-1] == " " or _is_wide(out[-1][-1]):
            out.append(ch)
        else:
            out[-1] += ch
    return out


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaks at spaces and between CJK characters; a word longer than a line is
    broken between letters."""
    lines: list[str] = []
    line = ""
    for tok in _tokens(text):
        if tok == " ":
            if line:
                line += " "
            continue
        if text_width(line + tok, size) <= width:
            line += tok
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        for ch in tok:  # a token wider than the line: split it
            if line and text_width(line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _ellipsis(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def fit_name(text: str, width: float, height: float) -> tuple[float, list[str]]:
    """(font size, lines) showing ``text`` within ``width`` x ``height`` px: the largest size at
    which it wraps into the lines that fit (at most 3); at the smallest size, cut with "…"."""
    text = " ".join(_safe(text).split())
    for size in NAME_SIZES:
        max_lines = max(1, min(3, int(height // (size * 1.2))))
        lines = wrap(text, width, size)
        if len(lines) <= max_lines:
            return size, lines
    size = NAME_SIZES[-1]
    max_lines = max(1, min(3, int(height // (size * 1.2))))
    lines = wrap(text, width, size)
    kept = lines[:max_lines]
    rest = " ".join(lines[max_lines - 1 :])
    kept[-1] = _ellipsis(rest, width, size)
    return size, [k for k in kept if k]


def distinct_suffix_length(skus: Iterable[str]) -> int:
    """Shortest ending length (>= 3) at which the given SKUs are all different."""
    codes = sorted(set(skus))
    if not codes:
        return MIN_SUFFIX
    longest = max(len(c) for c in codes)
    for k in range(MIN_SUFFIX, longest + 1):
        if len({c[-k:] for c in codes}) == len(codes):
            return k
    return longest


def sku_label(sku: str, k: int, width: float) -> tuple[str, float]:
    """The SKU when it fits at 8 px, else its last ``k`` characters (lookalikes stay apart),
    shrunk to fit when even that is too wide."""
    sku = _safe(sku)
    if text_width(sku, SKU_SIZE) <= width:
        return sku, SKU_SIZE
    tail = sku[-k:]
    if text_width("…" + tail, SKU_SIZE) <= width:
        return "…" + tail, SKU_SIZE
    size = max(MIN_SKU_SIZE, min(SKU_SIZE, width / max(text_width(tail, 1.0), 1e-9)))
    return tail, round(size, 2)


def _preferred(key: str) -> int:
    if key.isdigit():
        return int(key) % len(PALETTE)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % len(PALETTE)


def category_colour(category: str) -> str:
    """The category's own colour (from its id or code); `category_colours` resolves clashes."""
    return PALETTE[_preferred(str(category))]


def _extra_colour(k: int) -> str:
    hue = (0.11 + k * 0.618034) % 1.0  # golden-angle hues, away from the palette's
    light = 0.62 if k % 2 else 0.48
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.55)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def category_colours(categories: Iterable[str]) -> dict[str, str]:
    """A colour per category of one plan, all different. Every category whose own entry
    (`category_colour`) no other category of the plan claims first (lower id, then code) keeps it; the others
    take the next free entries, then generated hues once the palette is used up."""
    keys = sorted(  # ids in numeric order (the older category keeps its entry), then codes
        {str(c) for c in categories},
        key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k),
    )
    out: dict[str, str] = {}
    taken: set[int] = set()
    for key in keys:
        if _preferred(key) not in taken:
            taken.add(_preferred(key))
            out[key] = PALETTE[_preferred(key)]
    extra = 0
    for key in (k for k in keys if k not in out):
        start = _preferred(key)
        free = next(
            (
                i
                for i in ((start + d) % len(PALETTE) for d in range(len(PALETTE)))
                if i not in taken
            ),
            None,
        )
        if free is not None:
            taken.add(free)
            out[key] = PALETTE[free]
            continue
        colour = _extra_colour(extra)
        while colour in out.values() or colour in PALETTE:
            extra += 1
            colour = _extra_colour(extra)
        extra += 1
        out[key] = colour
    return out


def _ink(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#111111" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


def _eye_marker(parent: ET.Element, cx: float, cy: float, label: str) -> None:
    """An eye drawn as paths (no glyph: fonts without one would show a box)."""
    g = ET.SubElement(parent, "g", {"class": "eye-marker"})
    ET.SubElement(g, "title").text = _safe(label)
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
    heading = _safe(title or fx.name or f"fixture {fx.fixture_id} ({fx.kind})")
    total_w = max(LABEL_W + width + 2 * MARGIN, text_width(heading, 14) + 2 * MARGIN)
    colours = category_colours(p.category for p in plan.placements)
    cats = sorted(colours)

    # Legend rows, laid out before the canvas size is known.
    row_w = total_w - 2 * MARGIN
    legend: list[tuple[str, str, float, float]] = []  # key, label, x, row
    lx, row = 0.0, 0
    for cat in cats:
        room = row_w - SWATCH - 4
        label = _ellipsis(_safe(category_names.get(cat, cat)), room, LEGEND_SIZE)
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
        ink = _ink(fill)
        name = _safe(names.get(p.product_id, str(p.product_id)))
        sku = _safe(str(skus.get(p.product_id, p.product_id)))
        cat_label = _safe(category_names.get(p.category, p.category))
        g = ET.SubElement(
            svg,
            "g",
            {
                "class": "product",
                "data-product-id": str(p.product_id),
                "data-sku": sku,
                "data-category": _safe(p.category),
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
            {"class": "name", "font-size": f"{size:g}", "fill": ink},
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
                "fill": ink,
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
                "fill": ink,
            },
        ).text = _ellipsis(f"×{p.facings}", inner_w, facings_size)
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
        g = ET.SubElement(svg, "g", {"class": "legend-item", "data-category": _safe(cat)})
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
