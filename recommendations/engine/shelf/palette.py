"""Category colours of a planogram: stable per category key, distinct within a plan."""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable

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


def ink(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#111111" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"
