"""The field-agent role: one Django group holding the model permissions field teams need.

Territory scoping (see `admin_scoping`) decides WHICH rows they see; this group decides WHAT they
may do with them. Run `python manage.py field_roles` after migrations (idempotent), then add an
agent to the group and to the `field_agents` of their territories.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

FIELD_AGENT_GROUP = "field agents"

#: app_label -> model -> actions
FIELD_AGENT_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "lst": {"user": ("view",)},
    # The catalogue is the chain's: agents read it (and export it); catalogue staff edit it.
    "catalog": {"category": ("view",), "product": ("view",)},
    "stores": {
        "territory": ("view",),
        "store": ("view", "add", "change"),
        "storemembership": ("view", "add", "change", "delete"),
        "fixture": ("view", "add", "change", "delete"),
        "stocklevel": ("view", "add", "change"),
        "stockmovement": ("view",),
        "stockout": ("view",),
        "posreceipt": ("view",),
        "dailysales": ("view",),
    },
    "replenishment": {
        "warehouse": ("view",),
        "warehousestock": ("view",),
        "replenishmentorder": ("view", "change"),
        "orderevent": ("view",),
    },
    "recommendations": {
        "purchasesuggestion": ("view",),
        "assortmentsuggestion": ("view",),
        "shelfplan": ("view",),
        "modelversion": ("view",),
        "trainingrun": ("view",),
    },
    # Shopper orders of the agent's stores; shoppers' own profiles and addresses stay with
    # the superusers (personal data, no store).
    "shoppers": {"shopperorder": ("view", "change"), "shopperorderevent": ("view",)},
}


def field_agent_group() -> Group:
    """Create or refresh the group (permissions must exist: run after `migrate`)."""
    group, _ = Group.objects.get_or_create(name=FIELD_AGENT_GROUP)
    q = Q(pk__in=[])
    for app, models in FIELD_AGENT_PERMISSIONS.items():
        for model, actions in models.items():
            q |= Q(
                content_type__app_label=app,
                content_type__model=model,
                codename__in=[f"{a}_{model}" for a in actions],
            )
    group.permissions.set(Permission.objects.filter(q))
    return group
