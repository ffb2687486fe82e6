"""Text sizing for the planogram: conservative widths, line breaking, fitting a name to a block,
the SKU shown on it.

Widths are upper bounds over common sans fonts (DejaVu Sans is the widest of them), a CJK
character 1 em, so text laid out with them stays within its box whatever font the viewer has.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NAME_SIZES = tuple(x / 2 for x in range(22, 13, -1))  # 11 px down to 7 px
SKU_SIZE = 8.0
MIN_SKU_SIZE = 5.0
MIN_SUFFIX = 3

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def safe(text: str) -> str:
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


def ellipsis(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def fit_name(text: str, width: float, height: float) -> tuple[float, list[str]]:
    """(font size, lines) showing ``text`` within ``width`` x ``height`` px: the largest size at
    which it wraps into the lines that fit (at most 3); at the smallest size, cut with "…"."""
    text = " ".join(safe(text).split())
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
    kept[-1] = ellipsis(rest, width, size)
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
    sku = safe(sku)
    if text_width(sku, SKU_SIZE) <= width:
        return sku, SKU_SIZE
    tail = sku[-k:]
    if text_width("…" + tail, SKU_SIZE) <= width:
        return "…" + tail, SKU_SIZE
    size = max(MIN_SKU_SIZE, min(SKU_SIZE, width / max(text_width(tail, 1.0), 1e-9)))
    return tail, round(size, 2)
