"""Notes the system writes on records (stock movements, order history), kept in one table.

A note is stored as written here, in English, so it stays the same whatever language the writer
used; answers show it in the request's language (`note_text`, and `lst.api.fields.NoteField`
in serializers). A note a person typed is shown as typed.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

STOCK_COUNT = N_("stock count")
ORDER_RECEIVED = N_("replenishment order received")
DEMO_OPENING_STOCK = N_("demo opening stock")
NOT_ACCEPTED_IN_TIME = N_("not accepted in time")

SYSTEM_NOTES = frozenset({STOCK_COUNT, ORDER_RECEIVED, DEMO_OPENING_STOCK, NOT_ACCEPTED_IN_TIME})


def note_text(note: str) -> str:
    """The note in the active language when the system wrote it; as typed otherwise."""
    return gettext(note) if note in SYSTEM_NOTES else note
