"""Serializer fields shared by the apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from lst.notes import note_text

#: The largest id a row can have (64-bit signed integers, on PostgreSQL and SQLite alike).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object id in a request body: a positive integer that fits a database id, so an absurd
    one is a 400 naming the field (not a failed lookup deep in a service)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time the database can hold, optionally within a window around now.

    An offset-less time is read in the current timezone; near year 1 (or 9999) that puts it
    outside the years a datetime can have in UTC, and Django failed with OverflowError deep in
    a comparison or a query (a 500). Here it is a 400 naming the field. `max_age` / `max_ahead`
    are callables returning a timedelta (read per request, so settings apply as changed).
    """

    default_error_messages = {
        "too_old": _("At most %(limit)s in the past."),
        "too_far_ahead": _("At most %(limit)s in the future."),
    }

    def __init__(
        self,
        *,
        max_age: Callable[[], dt.timedelta] | None = None,
        max_ahead: Callable[[], dt.timedelta] | None = None,
        **kwargs: Any,
    ) -> None:
        self.max_age = max_age
        self.max_ahead = max_ahead
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            # DRF's own parse overflows too (its ambiguity check steps a day from the value).
            result = super().to_internal_value(value)
            result.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            self.fail("overflow")
        now = timezone.now()
        if self.max_age is not None and result < now - (limit := self.max_age()):
            self.fail("too_old", limit=_duration(limit))
        if self.max_ahead is not None and result > now + (limit := self.max_ahead()):
            self.fail("too_far_ahead", limit=_duration(limit))
        return result


def _duration(limit: dt.timedelta) -> str:
    seconds = int(limit.total_seconds())
    if seconds % 86400 == 0:
        return _("%(n)d days") % {"n": seconds // 86400}
    return _("%(n)d minutes") % {"n": seconds // 60}


class CappedListField(serializers.ListField):
    """A list whose length cap is checked before any element is validated: DRF's ListField
    validates every element first, so 170,000 lines cost seconds of CPU before the 400."""

    def to_internal_value(self, data: Any) -> list[Any]:
        limit = self.max_length
        if isinstance(data, list | tuple) and limit is not None and len(data) > limit:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class NoteField(serializers.CharField):
    """A note in an answer: one the system wrote (`lst.notes`) in the request's language, one a
    person typed as typed."""

    def to_representation(self, value: Any) -> str:
        return note_text(str(value))
