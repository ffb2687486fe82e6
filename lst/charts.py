"""Server-rendered SVG charts for the admin (no JavaScript, nothing fetched from a CDN).

Built with xml.etree so every label is escaped and the markup is valid SVG.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from django.utils.translation import gettext as _

HISTORY = "#1f77b4"
FORECAST = "#d62728"
BAND = "#f4a6a6"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def sales_forecast_chart(
    history: Sequence[tuple[dt.date, float]],
    forecast: Sequence[tuple[dt.date, float, float]] = (),
    *,
    width: int = 900,
    height: int = 320,
    labels: dict[str, str] | None = None,
) -> str:
    """Daily units sold (line), then the forecast mean (dashed) inside its P90 band (shaded
    between the mean and P90). Dates must be consecutive days."""
    labels = {"history": _("sold"), "forecast": _("forecast"), "band": "P90", **(labels or {})}
    left, right, top, bottom = 52, 16, 28, 40
    dates = [d for d, _ in history] + [d for d, _, _ in forecast]
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "class": "lst-chart",
            "role": "img",
            "font-family": "sans-serif",
            "font-size": "11",
        },
    )
    ET.SubElement(svg, "title").text = labels.get("title", labels["history"])
    if not dates:
        ET.SubElement(svg, "text", {"x": "20", "y": "40"}).text = (
            labels["empty"] if "empty" in labels else _("no data")
        )
        return ET.tostring(svg, encoding="unicode")
    first = dates[0]
    n = (dates[-1] - first).days + 1
    ymax = _nice_max(
        max(
            [v for _, v in history]
            + [p for _, _, p in forecast]
            + [m for _, m, _ in forecast]
            + [1]
        )
    )
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(d: dt.date) -> float:
        return left + plot_w * ((d - first).days + 0.5) / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    for i in range(5):  # grid and y labels
        v = ymax * i / 4
        ET.SubElement(
            svg,
            "line",
            {
                "x1": str(left),
                "x2": str(width - right),
                "y1": f"{y(v):.1f}",
                "y2": f"{y(v):.1f}",
                "stroke": "#e5e5e5",
            },
        )
        ET.SubElement(
            svg, "text", {"x": str(left - 6), "y": f"{y(v) + 4:.1f}", "text-anchor": "end"}
        ).text = f"{v:g}"
    step = max(1, n // 8)
    for i in range(0, n, step):  # x labels
        d = first + dt.timedelta(days=i)
        ET.SubElement(
            svg,
            "text",
            {"x": f"{x(d):.1f}", "y": str(height - bottom + 16), "text-anchor": "middle"},
        ).text = d.strftime("%m-%d")
    if forecast:
        pts = [(x(d), y(p)) for d, _, p in forecast] + [
            (x(d), y(m)) for d, m, _ in reversed(forecast)
        ]
        ET.SubElement(
            svg,
            "polygon",
            {
                "points": " ".join(f"{a:.1f},{b:.1f}" for a, b in pts),
                "fill": BAND,
                "fill-opacity": "0.55",
                "class": "band",
            },
        )
        start = [(x(history[-1][0]), y(history[-1][1]))] if history else []
        line = start + [(x(d), y(m)) for d, m, _ in forecast]
        ET.SubElement(
            svg,
            "polyline",
            {
                "points": " ".join(f"{a:.1f},{b:.1f}" for a, b in line),
                "fill": "none",
                "stroke": FORECAST,
                "stroke-width": "2",
                "stroke-dasharray": "6 4",
                "class": "forecast",
            },
        )
    if history:
        ET.SubElement(
            svg,
            "polyline",
            {
                "points": " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in history),
                "fill": "none",
                "stroke": HISTORY,
                "stroke-width": "2",
                "class": "history",
            },
        )
    legend = [(HISTORY, labels["history"]), (FORECAST, labels["forecast"]), (BAND, labels["band"])]
    lx = left
    for colour, text in legend:
        ET.SubElement(
            svg, "rect", {"x": str(lx), "y": "8", "width": "14", "height": "10", "fill": colour}
        )
        ET.SubElement(svg, "text", {"x": str(lx + 18), "y": "17"}).text = text
        lx += 30 + 8 * len(text) + 20
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(left),
            "x2": str(left),
            "y1": str(top),
            "y2": str(height - bottom),
            "stroke": "#999",
        },
    )
    return ET.tostring(svg, encoding="unicode")
