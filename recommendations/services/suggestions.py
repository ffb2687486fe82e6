"""The owner's answers to purchase suggestions: accept (as a draft order), edit, dismiss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict, NotFound, ValidationFailed
from replenishment.models import ReplenishmentOrder
from replenishment.services import order_create_draft
from stores.models import Store

from ..models import PurchaseSettings, PurchaseSuggestion, SuggestionFeedback, SuggestionStatus

Action = SuggestionFeedback.Action


@dataclass(frozen=True)
class AcceptLine:
    suggestion_id: int
    quantity: int | None = None  # None: as suggested


def _lock_pending(
    store: Store, ids: Sequence[int], *, from_path: bool = False
) -> dict[int, PurchaseSuggestion]:
    """Lock the store's pending suggestions `ids`. An id that is not the store's (missing, or
    another store's) is a validation error naming the body's line, or NotFound when the id came
    from the URL (`from_path`), like any other object that is not yours."""
    rows = {
        s.pk: s
        for s in PurchaseSuggestion.objects.select_for_update()
        .filter(store=store, pk__in=list(ids))
        .order_by("pk")
    }
    missing = [i for i in ids if i not in rows]
    if missing and from_path:
        raise NotFound(_("Suggestion not found."))
    if missing:
        raise ValidationFailed(
            _("Unknown suggestion."),
            fields={
                f"lines[{list(ids).index(i)}].id": [_("Not one of this store's suggestions.")]
                for i in missing
            },
        )
    answered = [i for i in ids if rows[i].status != SuggestionStatus.PENDING]
    if answered:
        raise Conflict(
            _("Some suggestions were already answered."),
            code="suggestion_answered",
            fields={f"lines[{list(ids).index(i)}].id": [rows[i].status] for i in answered},
        )
    return rows


@transaction.atomic
def suggestions_accept(
    *, store: Store, lines: Sequence[AcceptLine] | None, user: Any, include_top_ups: bool = True
) -> ReplenishmentOrder:
    """Turn accepted suggestions into one draft replenishment order.

    `lines=None` accepts every pending suggestion of the latest day (top-ups only if
    `include_top_ups`). Edited quantities must be whole case packs (the order rules check them,
    naming `lines[i].quantity`). Quantities of the same product (a need plus its top-up) are
    added into one order line.
    """
    if lines is None:
        from ..selectors import purchase_suggestions_current

        current = list(purchase_suggestions_current(store=store))
        if not include_top_ups:
            current = [s for s in current if s.kind == PurchaseSuggestion.Kind.ORDER]
        lines = [AcceptLine(s.pk) for s in current]
    if not lines:
        raise ValidationFailed(_("Nothing to accept."), fields={"lines": [_("Empty.")]})
    ids = [line.suggestion_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_("A suggestion is listed twice."), fields={"lines": ["duplicate"]})
    rows = _lock_pending(store, ids)
    per_product: dict[int, int] = {}
    for i, line in enumerate(lines):
        qty = rows[line.suggestion_id].quantity if line.quantity is None else line.quantity
        if qty < 0:
            raise ValidationFailed(
                _("A quantity cannot be negative."), fields={f"lines[{i}].quantity": [str(qty)]}
            )
        if qty:
            per_product[rows[line.suggestion_id].product_id] = (
                per_product.get(rows[line.suggestion_id].product_id, 0) + qty
            )
    if not per_product:
        raise ValidationFailed(
            _("Every quantity is zero."), fields={"lines": [_("Nothing to order.")]}
        )
    order = order_create_draft(
        store=store,
        lines=list(per_product.items()),
        user=user,
        note=str(_("From purchase suggestions")),
    )
    now = timezone.now()
    feedback = []
    for line in lines:
        s = rows[line.suggestion_id]
        final = s.quantity if line.quantity is None else line.quantity
        action = (
            Action.ACCEPTED
            if final == s.quantity
            else (Action.EDITED if final else Action.DISMISSED)
        )
        s.status = SuggestionStatus.ACCEPTED if final else SuggestionStatus.DISMISSED
        s.order = order if final else None
        s.updated_at = now
        feedback.append(
            SuggestionFeedback(
                store=store,
                product_id=s.product_id,
                for_date=s.for_date,
                action=action,
                suggested_quantity=s.quantity,
                final_quantity=final,
                user=user,
                order=s.order,
            )
        )
    PurchaseSuggestion.objects.bulk_update(list(rows.values()), ["status", "order", "updated_at"])
    SuggestionFeedback.objects.bulk_create(feedback)
    return order


@transaction.atomic
def suggestion_dismiss(
    *, store: Store, suggestion_id: int, reason: str, user: Any
) -> PurchaseSuggestion:
    s = _lock_pending(store, [suggestion_id], from_path=True)[suggestion_id]
    s.status = SuggestionStatus.DISMISSED
    s.save(update_fields=["status", "updated_at"])
    SuggestionFeedback.objects.create(
        store=store,
        product_id=s.product_id,
        for_date=s.for_date,
        action=Action.DISMISSED,
        suggested_quantity=s.quantity,
        final_quantity=0,
        reason=reason[:300],
        user=user,
    )
    return s


@transaction.atomic
def purchase_settings_set(*, store: Store, budget: Decimal | None) -> PurchaseSettings:
    if budget is not None and budget <= 0:
        raise ValidationFailed(
            _("A budget must be more than zero."), fields={"budget": [str(budget)]}
        )
    settings_row, _created = PurchaseSettings.objects.update_or_create(
        store=store, defaults={"budget": budget}
    )
    return settings_row
