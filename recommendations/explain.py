"""Why a suggestion says what it says: a short sentence in the request language, built from the
numbers stored with the suggestion (which the API also returns as fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from .models import PurchaseSuggestion


def _day(iso: str | None, today: dt.date) -> str:
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    if day == today:
        return str(_("today"))
    if day == today + dt.timedelta(days=1):
        return str(_("tomorrow"))
    return str(WEEKDAYS_ABBR[day.weekday()])


def purchase_reason_text(s: PurchaseSuggestion) -> str:
    r: dict[str, Any] = s.reason or {}
    today = s.for_date
    parts = [
        _("sells ~%(weekly)s/week") % {"weekly": _fmt(r.get("weekly_units", 0))},
        _("%(n)d left") % {"n": r.get("on_hand", 0)},
    ]
    if r.get("on_order"):
        parts.append(_("%(n)d on order") % {"n": r["on_order"]})
    parts.append(_("next delivery %(day)s") % {"day": _day(r.get("next_delivery"), today)})
    text = str(_(", ")).join(str(p) for p in parts)
    if not r.get("on_hand"):
        text += str(_(": sold out now"))
    elif r.get("runs_out_on"):
        text += str(_(": runs out %(day)s") % {"day": _day(r["runs_out_on"], today)})
    notes = {
        "capacity": _("limited by shelf and backroom space"),
        "shelf_life": _("no more than sells before it expires"),
        "rounded_up": _("rounded up to whole cases"),
        "rounded_down": _("rounded down to whole cases to fit the space"),
    }
    more = str(_("; "))
    if s.kind == PurchaseSuggestion.Kind.TOP_UP:
        text += more + str(_("extra cases to reach the warehouse's minimum order"))
    elif r.get("limited_by") in notes:
        text += more + str(notes[r["limited_by"]])
    if r.get("budget_trimmed"):
        text += more + str(_("trimmed to your budget"))
    return text


def _fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}".rstrip("0").rstrip(".")
