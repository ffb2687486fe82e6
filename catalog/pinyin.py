"""Pinyin keys of product names, so a shopper or a clerk can type `kele` or `kkkl` for 可口可乐.

A name's key is its full toneless pinyin followed by its initials, without spaces, e.g.
"可口可乐 330ml" -> "kekoukele330ml kkkl330ml"; a search term is matched against it after the same
normalisation (lower case, no spaces), so "ke kou", "Kekou" and "kkkl" all find the product.
Latin letters and digits in the name are kept as they are.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")
#: Long enough for any name of `Product.name` (200 characters, each at most 6 letters of pinyin).
KEY_MAX_LENGTH = 1400


def normalise(text: str) -> str:
    return _SPACES.sub("", text).lower()


def pinyin_keys(name: str) -> str:
    full = normalise("".join(lazy_pinyin(name)))
    initials = normalise("".join(lazy_pinyin(name, style=Style.FIRST_LETTER)))
    return f"{full} {initials}"[:KEY_MAX_LENGTH]


def search_term(q: str) -> str:
    """The term to look for in the keys; empty when `q` has no letter (a barcode, a price)."""
    term = normalise(q)
    return term if re.search(r"[a-z]", term) else ""
