"""The onboarding checklist of a store, computed from its data (nothing to tick by hand).

Five steps: profile complete (address, coordinates, territory, warehouse and an owner), fixtures
measured, a first stock count, the POS connected (a receipt received) and a first order placed.
`annotate_checklist` adds one boolean per step to a store queryset as EXISTS subqueries, so a
changelist of any length costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Fixture, PosReceipt, StockLevel, Store, StoreMembership


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str | Promise


CHECKLIST = (
    ChecklistItem("profile", _("Profile complete")),
    ChecklistItem("fixtures", _("Fixtures measured")),
    ChecklistItem("count", _("First stock count")),
    ChecklistItem("pos", _("POS connected")),
    ChecklistItem("order", _("First order placed")),
)


def annotate_checklist(qs: QuerySet[Store]) -> QuerySet[Store]:
    # Orders live in `replenishment`, an app above this one: reached by name, never imported.
    order_model = apps.get_model("replenishment", "ReplenishmentOrder")
    store = OuterRef("pk")
    owner = StoreMembership.objects.filter(store=store, role=StoreMembership.Role.OWNER)
    profile = (
        ~Q(address="")
        & Q(latitude__isnull=False)
        & Q(longitude__isnull=False)
        & Q(territory__isnull=False)
        & Q(warehouse__isnull=False)
        & Q(Exists(owner))
    )
    return qs.annotate(
        ck_profile=ExpressionWrapper(profile, output_field=BooleanField()),
        ck_fixtures=Exists(Fixture.objects.filter(store=store)),
        ck_count=Exists(StockLevel.objects.filter(store=store, last_counted_at__isnull=False)),
        ck_pos=Exists(PosReceipt.objects.filter(store=store)),
        ck_order=Exists(order_model.objects.filter(store=store, submitted_at__isnull=False)),
    )


def checklist_for(store: Any) -> list[tuple[ChecklistItem, bool]]:
    """(item, done) pairs of a store that went through `annotate_checklist`."""
    return [(item, bool(getattr(store, f"ck_{item.key}", False))) for item in CHECKLIST]
