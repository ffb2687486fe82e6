"""The store profile and fixtures: owner-only writes (the API checks the role first)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lst.errors import Conflict, ValidationFailed
from stores.models import Fixture, Store
from stores.opening_hours import opening_hours_validate

PROFILE_FIELDS = ("name", "opening_hours")
DELIVERY_FIELDS = (
    "accepts_online_orders",
    "delivery_radius_km",
    "delivery_fee",
    "min_basket_value",
)
#: The farthest a store may deliver (great-circle km): the API and the admin both hold to it.
MAX_DELIVERY_RADIUS_KM = Decimal("50")


@transaction.atomic
def store_profile_update(*, store: Store, data: dict[str, Any]) -> Store:
    """Update the fields an owner may edit (name, opening hours, shopper-order terms). Address and
    coordinates belong to the field team."""
    unknown = set(data) - set(PROFILE_FIELDS) - set(DELIVERY_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here."),
            fields={f: [_("Read-only; ask your field agent.")] for f in sorted(unknown)},
        )
    if "name" in data:
        name = str(data["name"]).strip()
        if not name:
            raise ValidationFailed(
                _("The name cannot be empty."), fields={"name": [_("This field may not be blank.")]}
            )
        store.name = name
    if "opening_hours" in data:
        store.opening_hours = opening_hours_validate(data["opening_hours"])
    for field in DELIVERY_FIELDS:  # typed and range-checked by the API's serializer
        if field in data:
            setattr(store, field, data[field])
    changed = [f for f in (*PROFILE_FIELDS, *DELIVERY_FIELDS) if f in data]
    store.save(update_fields=[*changed, "updated_at"])
    return store


FIXTURE_FIELDS = ("name", "kind", "width_cm", "depth_cm", "levels", "eye_level")


def _fixture_check(fixture: Fixture) -> None:
    errors: dict[str, list[str]] = {}
    if not fixture.name.strip():
        errors["name"] = [_("This field may not be blank.")]
    if fixture.kind not in Fixture.Kind.values:
        errors["kind"] = [_("Unknown fixture kind.")]
    for field in ("width_cm", "depth_cm", "levels", "eye_level"):
        if getattr(fixture, field) < 1:
            errors[field] = [_("Must be at least 1.")]
    if fixture.eye_level > fixture.levels:
        errors["eye_level"] = [_("Eye level cannot be above the top level.")]
    if errors:
        raise ValidationFailed(_("Invalid fixture."), fields=errors)


def _fixture_save(fixture: Fixture) -> Fixture:
    _fixture_check(fixture)
    taken = Fixture.objects.filter(store_id=fixture.store_id, name=fixture.name)
    if fixture.pk:
        taken = taken.exclude(pk=fixture.pk)
    name_taken = Conflict(
        _("This store already has a fixture with this name."),
        code="fixture_name_taken",
        fields={"name": [fixture.name]},
    )
    if taken.exists():
        raise name_taken
    try:
        with transaction.atomic():
            fixture.save()
    except IntegrityError:  # a concurrent create took the name between the check and the save
        raise name_taken from None
    return fixture


@transaction.atomic
def fixture_create(*, store: Store, data: dict[str, Any]) -> Fixture:
    fixture = Fixture(store=store, **{f: data[f] for f in FIXTURE_FIELDS if f in data})
    return _fixture_save(fixture)


@transaction.atomic
def fixture_update(*, fixture: Fixture, data: dict[str, Any]) -> Fixture:
    for field in FIXTURE_FIELDS:
        if field in data:
            setattr(fixture, field, data[field])
    return _fixture_save(fixture)


@transaction.atomic
def fixture_delete(*, fixture: Fixture) -> None:
    """Shelf plans drawn for the fixture go with it."""
    fixture.delete()
