"""The store form of the admin: opening hours typed per weekday instead of as raw JSON.

Each weekday is one line of text, e.g. "07:00-23:00" or "08:00-12:00, 14:00-22:00"; an empty
line is a closed day. The lines are turned into the JSON the API stores and serves
(`{"mon": ["07:00-23:00"], ...}`) and checked by the API's own validator
(`stores.opening_hours.opening_hours_validate`), whose errors are shown naming the day.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lst.errors import ValidationFailed

from .models import Store
from .opening_hours import DAYS, opening_hours_validate
from .services import MAX_DELIVERY_RADIUS_KM

# What people type besides "HH:MM-HH:MM, HH:MM-HH:MM": full-width punctuation from a Chinese
# input method, other dashes, spaces around the dash, single-digit hours. Only the spelling is
# normalised here; whether an interval is valid is the validator's call.
_DASHES = re.compile(r"\s*[-‐‑–—－~～至]\s*")
_SEPARATORS = re.compile(r"[,，;；、\s]+")
_SHORT_HOUR = re.compile(r"(?<!\d)(\d):")
_ERROR_KEY = re.compile(r"\.(?P<day>[a-z]+)(?:\[(?P<index>\d+)\])?$")


def day_name(day: str) -> str:
    return str(WEEKDAYS[DAYS.index(day)])


def parse_day(text: str) -> list[str]:
    """One weekday's line of text as the list of "HH:MM-HH:MM" strings the JSON holds."""
    text = _DASHES.sub("-", text.replace("：", ":").strip())
    return [_SHORT_HOUR.sub(r"0\1:", part) for part in _SEPARATORS.split(text) if part]


def format_day(intervals: Any) -> str:
    if isinstance(intervals, list):
        return ", ".join(str(i) for i in intervals)
    return "" if intervals is None else str(intervals)


class OpeningHoursWidget(forms.MultiWidget):
    template_name = "stores/widgets/opening_hours.html"

    class Media:
        css = {"all": ("stores/opening_hours.css",)}

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # An empty day is a closed day, and says so (an example time there would read as hours).
        closed = gettext_lazy("closed")
        inputs = [
            forms.TextInput(attrs={"placeholder": closed, "size": 32, "autocomplete": "off"})
            for _day in DAYS
        ]
        super().__init__(inputs, attrs)

    def decompress(self, value: Any) -> list[str]:
        if not isinstance(value, dict):
            return [""] * len(DAYS)
        return [format_day(value.get(day)) for day in DAYS]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["days"] = list(
            zip((day_name(d) for d in DAYS), context["widget"]["subwidgets"], strict=True)
        )
        return context


class OpeningHoursField(forms.MultiValueField):
    """Seven lines of text in, the validated opening-hours JSON out."""

    widget = OpeningHoursWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "One line per weekday in the store's local time: HH:MM-HH:MM, several intervals "
                "separated by commas (08:00-12:00, 14:00-22:00); an interval may run past "
                "midnight (22:00-02:00); leave a day empty when the store is closed."
            ),
        )
        fields = [forms.CharField(required=False) for _day in DAYS]
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list: list[str]) -> dict[str, list[str]]:
        lines = list(data_list) or [""] * len(DAYS)
        hours = {day: parse_day(text or "") for day, text in zip(DAYS, lines, strict=True)}
        parsed = {day: intervals for day, intervals in hours.items() if intervals}
        try:
            return opening_hours_validate(parsed)
        except ValidationFailed as exc:
            raise forms.ValidationError(_errors_by_day(exc, parsed)) from None


def _errors_by_day(exc: ValidationFailed, hours: dict[str, list[str]]) -> list[str]:
    """The validator's `opening_hours.mon[1]` keys as sentences naming the day and interval."""
    out = []
    for key in sorted(exc.fields, key=lambda k: (_day_order(k), k)):
        match = _ERROR_KEY.search(key)
        for message in exc.fields[key]:
            if match is None or match["day"] not in hours:
                out.append(str(message))
            elif match["index"] is not None:
                interval = hours[match["day"]][int(match["index"])]
                out.append(
                    _("%(day)s, “%(interval)s”: %(error)s")
                    % {"day": day_name(match["day"]), "interval": interval, "error": message}
                )
            else:
                out.append(
                    _("%(day)s: %(error)s") % {"day": day_name(match["day"]), "error": message}
                )
    return out


def _day_order(key: str) -> int:
    match = _ERROR_KEY.search(key)
    return DAYS.index(match["day"]) if match and match["day"] in DAYS else len(DAYS)


class StoreAdminForm(forms.ModelForm):
    """The shopper-order terms hold to the API's limits (the database only forbids negatives,
    as an unfriendly form-wide error)."""

    opening_hours = OpeningHoursField(label=Store._meta.get_field("opening_hours").verbose_name)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("delivery_radius_km", "delivery_fee", "min_basket_value"):
            if name in self.fields:
                self.fields[name].validators.append(MinValueValidator(Decimal("0")))
                self.fields[name].widget.attrs["min"] = "0"
        if "delivery_radius_km" in self.fields:
            radius = self.fields["delivery_radius_km"]
            radius.validators.append(MaxValueValidator(MAX_DELIVERY_RADIUS_KM))
            radius.widget.attrs["max"] = str(MAX_DELIVERY_RADIUS_KM)

    class Meta:
        model = Store
        fields = ("opening_hours",)  # the admin adds the fieldsets' fields
