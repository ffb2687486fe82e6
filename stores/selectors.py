"""Reads shared by views, admin and tasks. Tenant scoping lives here.

`store_get_for_user` is the one door to a store: a store that does not exist and a store the
user does not belong to give the same NotFound, so an id never reveals another tenant's store.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lst.errors import NotFound, PermissionDenied

from .models import Fixture, Store, StoreMembership

Role = StoreMembership.Role


def stores_for_user(*, user: Any) -> QuerySet[Store]:
    if not getattr(user, "is_authenticated", False):
        return Store.objects.none()
    return Store.objects.filter(memberships__user=user).select_related("warehouse", "territory")


def membership_get(*, user: Any, store_id: Any) -> StoreMembership:
    """The user's membership of the store, or NotFound (missing store and foreign store alike)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Store not found."))
    try:
        store_pk = int(store_id)
    except (TypeError, ValueError):
        raise NotFound(_("Store not found.")) from None
    membership = (
        StoreMembership.objects.select_related("store", "store__warehouse", "store__territory")
        .filter(user=user, store_id=store_pk)
        .first()
    )
    if membership is None:
        raise NotFound(_("Store not found."))
    return membership


def store_get_for_user(*, user: Any, store_id: Any, owner_only: bool = False) -> Store:
    """The store if the user belongs to it. `owner_only` turns a clerk away with 403: the clerk
    may see the store, so hiding it would be pointless, but may not act as the owner."""
    membership = membership_get(user=user, store_id=store_id)
    if owner_only and membership.role != Role.OWNER:
        raise PermissionDenied(_("Only the store owner can do this."), code="owner_only")
    return membership.store


def memberships_for_user(*, user: Any) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.filter(user=user).select_related("store").order_by("store_id")


def fixtures_for_store(*, store: Store) -> QuerySet[Fixture]:
    return Fixture.objects.filter(store=store).order_by("name", "id")


def fixture_get(*, store: Store, fixture_id: Any) -> Fixture:
    """A fixture of this store; another store's fixture is NotFound, like a missing one."""
    fixture = Fixture.objects.filter(store=store, pk=fixture_id).first()
    if fixture is None:
        raise NotFound(_("Fixture not found."))
    return fixture
