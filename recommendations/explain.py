"""Why a suggestion says what it says: a short sentence in the request language, built from the
numbers stored with the suggestion (which the API also returns as fields)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_noop as N_

from .models import PurchaseSuggestion

# Every phrase of the sentence, marked for makemessages and translated through `_phrasebook`.
PHRASES = {
    "sells": N_("sells ~%(weekly)s/week"),
    "left": N_("%(n)d left"),
    "on_order": N_("%(n)d on order"),
    "next_delivery": N_("next delivery %(day)s"),
    "comma": N_(", "),
    "sold_out": N_(": sold out now"),
    "runs_out": N_(": runs out %(day)s"),
    "semicolon": N_("; "),
    "top_up": N_("extra cases to reach the warehouse's minimum order"),
    "budget_trimmed": N_("trimmed to your budget"),
    "today": N_("today"),
    "tomorrow": N_("tomorrow"),
    "capacity": N_("limited by shelf and backroom space"),
    "shelf_life": N_("no more than sells before it expires"),
    "rounded_up": N_("rounded up to whole cases"),
    "rounded_down": N_("rounded down to whole cases to fit the space"),
}
LIMIT_NOTES = ("capacity", "shelf_life", "rounded_up", "rounded_down")


@lru_cache(maxsize=16)
def _phrasebook(language: str | None) -> dict[str, str]:
    """The phrases (and weekday abbreviations) in one language, translated once per process.

    The list endpoint explains every line of a store's basket; looking each phrase up through
    gettext, a dozen times a line, cost more than the rest of rendering the line.
    """
    with translation.override(language):
        book = {key: translation.gettext(message) for key, message in PHRASES.items()}
        book.update({f"weekday{i}": str(WEEKDAYS_ABBR[i]) for i in range(7)})
    return book


def _day(book: dict[str, str], iso: str | None, today: dt.date) -> str:
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    if day == today:
        return book["today"]
    if day == today + dt.timedelta(days=1):
        return book["tomorrow"]
    return book[f"weekday{day.weekday()}"]


def purchase_reason_text(s: PurchaseSuggestion) -> str:
    book = _phrasebook(translation.get_language())
    r: dict[str, Any] = s.reason or {}
    today = s.for_date
    parts = [
        book["sells"] % {"weekly": _fmt(r.get("weekly_units", 0))},
        book["left"] % {"n": r.get("on_hand", 0)},
    ]
    if r.get("on_order"):
        parts.append(book["on_order"] % {"n": r["on_order"]})
    parts.append(book["next_delivery"] % {"day": _day(book, r.get("next_delivery"), today)})
    text = book["comma"].join(parts)
    if not r.get("on_hand"):
        text += book["sold_out"]
    elif r.get("runs_out_on"):
        text += book["runs_out"] % {"day": _day(book, r["runs_out_on"], today)}
    if s.kind == PurchaseSuggestion.Kind.TOP_UP:
        text += book["semicolon"] + book["top_up"]
    elif r.get("limited_by") in LIMIT_NOTES:
        text += book["semicolon"] + book[r["limited_by"]]
    if r.get("budget_trimmed"):
        text += book["semicolon"] + book["budget_trimmed"]
    return text


def _fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}".rstrip("0").rstrip(".")
