"""Every sentence the owner reads about a recommendation, in Chinese (zh-hans) and English: why a
purchase suggestion asks for what it asks, why a product is suggested for adding or dropping,
and the shelf plan's change list. Each is written from the structured data the engines and
scoring store (which the API also returns as fields); nothing else in the recommenders builds
owner-facing text.

Purchase and assortment sentences go through gettext (the catalogues in `locale/`); the shelf
change list's sentences are written here in both languages (their word order differs too much
for one template).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

from recommendations.engine.shelf import ChangeInstruction

from .models import AssortmentSuggestion, PurchaseSuggestion
from .reasons import PurchaseReason

# Every phrase of the sentence, marked for makemessages and translated through `_phrasebook`.
PHRASES = {
    "sells": N_("sells ~%(weekly)s/week"),
    "left": N_("%(n)d left"),
    # Till sales (or a count) moved the stock since the suggestion was computed.
    "left_now": N_("%(n)d left when computed, %(now)d now"),
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
    # A day a week or more away: the weekday alone would name the wrong week.
    "dated": N_("%(weekday)s %(month)d/%(day)d"),
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


def _day(book: dict[str, str], day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return ""
    if day == today:
        return book["today"]
    if day == today + dt.timedelta(days=1):
        return book["tomorrow"]
    weekday = book[f"weekday{day.weekday()}"]
    if today < day < today + dt.timedelta(days=7):
        return weekday
    return book["dated"] % {"weekday": weekday, "month": day.month, "day": day.day}


def purchase_reason_text(s: PurchaseSuggestion, *, on_hand_now: int | None = None) -> str:
    """ "sells ~14/week, 3 left, next delivery Thu: runs out tomorrow" in the active language."""
    return purchase_reason_sentence(
        s.reason, for_date=s.for_date, kind=s.kind, on_hand_now=on_hand_now
    )


def purchase_reason_sentence(
    r: PurchaseReason,
    *,
    for_date: dt.date,
    kind: str,
    language: str | None = None,
    on_hand_now: int | None = None,
) -> str:
    """`purchase_reason_text` from a suggestion's reason, scoring day and kind (what the list
    endpoint reads as plain rows), in `language` (default: the active one; the list passes the
    request's once for all its lines). `on_hand_now`: the stock on hand at reading time, named
    beside the one the suggestion was computed from when they differ."""
    book = _phrasebook(language or translation.get_language())
    today = for_date
    parts = [
        book["sells"] % {"weekly": _fmt(r.weekly_units)},
        book["left"] % {"n": r.on_hand}
        if on_hand_now is None or on_hand_now == r.on_hand
        else book["left_now"] % {"n": r.on_hand, "now": on_hand_now},
    ]
    if r.on_order:
        parts.append(book["on_order"] % {"n": r.on_order})
    parts.append(book["next_delivery"] % {"day": _day(book, r.next_delivery, today)})
    text = book["comma"].join(parts)
    if not r.on_hand:
        text += book["sold_out"]
    elif r.runs_out_on is not None:
        text += book["runs_out"] % {"day": _day(book, r.runs_out_on, today)}
    if kind == PurchaseSuggestion.Kind.TOP_UP:
        text += book["semicolon"] + book["top_up"]
    elif r.limited_by in LIMIT_NOTES:
        text += book["semicolon"] + book[r.limited_by]
    if r.budget_trimmed:
        text += book["semicolon"] + book["budget_trimmed"]
    return text


def _fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}".rstrip("0").rstrip(".")


# --- assortment -------------------------------------------------------------------------------


def assortment_reason_text(action: str, reason: Mapping[str, Any]) -> str:
    """The engine's numbers as a sentence ("sold by 17 of the 20 stores most like yours...")."""
    similar = int(reason.get("similar_stores") or 0)
    carrying = int(reason.get("carrying") or 0)
    there = float(reason.get("median_weekly_units_there") or 0.0)
    if action == AssortmentSuggestion.Action.DROP:
        weeks = int(reason.get("recent_weeks") or 8)
        recent = int(float(reason.get("units_recent") or 0))
        return ngettext(
            "Sold %(recent)d in the last %(weeks)d weeks here; %(carrying)d of the %(similar)d "
            "stores most like yours sell about %(there)s a week.",
            "Sold %(recent)d in the last %(weeks)d weeks here; %(carrying)d of the %(similar)d "
            "stores most like yours sell about %(there)s a week.",
            weeks,
        ) % {
            "recent": recent,
            "weeks": weeks,
            "carrying": carrying,
            "similar": similar,
            "there": f"{there:g}",
        }
    if similar == 0:
        share = float(reason.get("share_of_all_stores") or 0.0)
        return _("Carried by %(pct)d%% of the stores in the chain.") % {"pct": round(share * 100)}
    text = _(
        "Sold by %(carrying)d of the %(similar)d stores most like yours, about %(there)s a week "
        "there."
    ) % {"carrying": carrying, "similar": similar, "there": f"{there:g}"}
    if reason.get("expected_weekly_profit") is not None and reason.get("expected_weekly_units"):
        text += " " + _(
            "Expected here: about %(units)s a week, %(profit)s gross profit a week."
        ) % {
            "units": f"{float(reason['expected_weekly_units']):g}",
            "profit": f"{float(reason['expected_weekly_profit']):.2f}",
        }
    return text


# --- shelf change list ---------------------------------------------------------------------------


def is_chinese(language: str | None) -> bool:
    return (language or "zh-hans").lower().startswith("zh")


def shelf_change_text(change: ChangeInstruction, *, name: str, language: str | None) -> str:
    """One instruction of a plan's change list in `language` (Chinese unless it is another
    language); `name` is the product's name in that language."""
    return _change_zh(change, name) if is_chinese(language) else _change_en(change, name)


def _change_zh(c: ChangeInstruction, name: str) -> str:
    if c.action == "remove":
        return f"把 {name} 从本货架撤下（原在第{c.from_level}层）"
    if c.action == "add":
        eye = "视线高度" if c.to_eye_level else ""
        return f"把 {name} 上架到{eye}第{c.to_level}层，{c.to_facings}个排面"
    facings = ""
    if c.to_facings != c.from_facings:
        verb = "增加" if (c.to_facings or 0) > (c.from_facings or 0) else "减少"
        facings = f"排面从{c.from_facings}个{verb}到{c.to_facings}个"
    if c.action == "facings":
        return f"{name} {facings}"
    if c.to_eye_level:
        text = f"把 {name} 移到视线高度（第{c.to_level}层）"
    else:
        text = f"把 {name} 从第{c.from_level}层移到第{c.to_level}层"
    return f"{text}，{facings}" if facings else text


def _facings_en(n: int | None) -> str:
    return f"{n} facing" if n == 1 else f"{n} facings"


def _change_en(c: ChangeInstruction, name: str) -> str:
    if c.action == "remove":
        return f"take {name} off this fixture (was on level {c.from_level})"
    if c.action == "add":
        where = f"at eye level (level {c.to_level})" if c.to_eye_level else f"on level {c.to_level}"
        return f"put {name} {where}, {_facings_en(c.to_facings)}"
    facings = ""
    if c.to_facings != c.from_facings:
        facings = f"{_facings_en(c.to_facings)} instead of {c.from_facings}"
    if c.action == "facings":
        return f"{name}: {facings}"
    if c.to_eye_level:
        text = f"move {name} to eye level (level {c.to_level})"
    else:
        text = f"move {name} from level {c.from_level} to level {c.to_level}"
    return f"{text}, {facings}" if facings else text
