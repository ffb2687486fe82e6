"""Onboarding a store in one step: the store, its owner's account and its fixtures.

The owner gets a one-time password that the field agent hands over in person; it is returned to
the caller once and never stored in clear (only its hash, as any password). The store starts in
status "onboarding"; its checklist (see `checklist`) tells what is left to do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Store, StoreMembership
from .services import fixture_create

#: No 0/O, 1/l/I: read aloud or copied from a tablet screen without mistakes.
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
OTP_LENGTH = 10


@dataclass(frozen=True)
class OnboardingResult:
    store: Store
    owner: Any
    one_time_password: str


def one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))


@transaction.atomic
def store_onboard(
    *,
    store: Store,
    owner_username: str,
    owner_phone: str = "",
    owner_name: str = "",
    fixtures: list[dict[str, Any]] | None = None,
) -> OnboardingResult:
    """Save `store` (an unsaved, validated instance), create its owner and fixtures."""
    store.status = Store.Status.ONBOARDING
    store.save()
    password = one_time_password()
    user_model = get_user_model()
    owner = user_model(username=owner_username, phone=owner_phone, first_name=owner_name)
    owner.set_password(password)
    owner.save()
    StoreMembership.objects.create(user=owner, store=store, role=StoreMembership.Role.OWNER)
    for data in fixtures or []:
        fixture_create(store=store, data=data)
    return OnboardingResult(store=store, owner=owner, one_time_password=password)
