"""Shopper accounts: sign-up by phone and password, login by a one-time code, addresses.

One-time codes: six digits, stored only as an HMAC keyed by SECRET_KEY, valid
SHOPPER_OTP_TTL_SECONDS, at most SHOPPER_OTP_MAX_ATTEMPTS guesses, and a new request kills the
previous code. The code goes out as a text message through lst.sms (SMS_BACKEND); when it cannot
be sent, nothing changes (the previous code stays live) and the caller gets 503 `sms_unavailable`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.api.auth import user_has_business_role
from lst.errors import NotFound, ServiceUnavailable, ValidationFailed
from lst.phones import phone_e164, phone_regions, phone_stored_forms
from lst.sms import SmsError, sms_send

from ..models import OneTimeCode, ShopperAddress, ShopperProfile

logger = logging.getLogger(__name__)


def phone_normalise(raw: str) -> str:
    """The number in E.164 (lst.phones); 400 naming `phone` for anything but a mobile number of
    the configured regions (PHONE_REGIONS)."""
    phone = phone_e164(raw)
    if phone is None:
        raise ValidationFailed(
            _("Enter a mobile number."),
            fields={
                "phone": [
                    _("A mobile number of: %(regions)s.") % {"regions": ", ".join(phone_regions())}
                ]
            },
        )
    return phone


def _user_with_phone(phone: str) -> Any:
    """The account holding this (E.164) number, in whichever form it was stored."""
    forms = phone_stored_forms(phone)
    return get_user_model().objects.filter(phone__in=forms).order_by("pk").first()


def _new_username() -> str:
    return f"shopper-{uuid.uuid4().hex[:12]}"


@transaction.atomic
def shopper_signup(*, phone: str, password: str, display_name: str = "") -> Any:
    """A new user with a shopper profile. 400 `phone_taken` when the number has an account
    (log in instead, or use a one-time code)."""
    User = get_user_model()
    phone = phone_normalise(phone)
    if _user_with_phone(phone) is not None:
        raise ValidationFailed(
            _("This number already has an account; log in instead."),
            code="phone_taken",
            fields={"phone": [_("Already registered.")]},
        )
    user = User(username=_new_username(), phone=phone, first_name=display_name[:150])
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("Choose a stronger password."), fields={"password": list(exc.messages)}
        ) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same number signed up a moment ago
        raise ValidationFailed(
            _("This number already has an account; log in instead."),
            code="phone_taken",
            fields={"phone": [_("Already registered.")]},
        ) from None
    ShopperProfile.objects.create(user=user, display_name=display_name[:100])
    return user


def _code_hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def otp_request(
    *, phone: str, now: dt.datetime | None = None
) -> tuple[OneTimeCode, str] | tuple[None, None]:
    """Issue a new code for `phone` (any earlier live code dies). Returns the row and the code;
    the caller never shows the code to the client.

    A number whose account holds a store, warehouse or staff role gets no code (None, None):
    a six-digit text must never open more than a shopper account. The caller answers exactly as
    for any other number, so the answer does not tell which numbers are owners'.
    """
    now = now or timezone.now()
    phone = phone_normalise(phone)
    holder = _user_with_phone(phone)
    if holder is not None and user_has_business_role(holder):
        logger.info("no login code for an account with a store, warehouse or staff role")
        return None, None
    OneTimeCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    row = OneTimeCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone, code),
        expires_at=now + dt.timedelta(seconds=settings.SHOPPER_OTP_TTL_SECONDS),
    )
    minutes = settings.SHOPPER_OTP_TTL_SECONDS // 60
    text = _("Your LST login code is %(code)s, valid for %(minutes)d minutes.") % {
        "code": code,
        "minutes": minutes,
    }
    try:
        sms_send(to=phone, text=text, purpose="login_code")
    except SmsError as exc:
        # Raised inside the transaction: the new code and the retirement of the previous one
        # are rolled back together.
        raise ServiceUnavailable(
            _("The code could not be sent; try again in a minute, or log in with your password."),
            code="sms_unavailable",
        ) from exc
    return row, code


def _invalid_code() -> ValidationFailed:
    return ValidationFailed(
        _("Wrong or expired code; request a new one."),
        code="invalid_code",
        fields={"code": [_("Wrong or expired code.")]},
    )


def otp_verify(*, phone: str, code: str, now: dt.datetime | None = None) -> tuple[Any, bool]:
    """Log in with a code: returns (user, created). The user with this phone, or a new shopper
    account when the number has none (the code proved the number). A user without a shopper
    profile gets one. 400 `invalid_code` for a wrong, expired, used or over-guessed code; a
    wrong guess is counted even though the request fails."""
    now = now or timezone.now()
    phone = phone_normalise(phone)
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.attempts >= settings.SHOPPER_OTP_MAX_ATTEMPTS:
            ok = False
        else:
            ok = hmac.compare_digest(row.code_hash, _code_hash(phone, str(code).strip()))
            if ok:
                row.used_at = now
            else:
                row.attempts += 1
            row.save(update_fields=["attempts", "used_at", "updated_at"])
        if ok:
            return _user_for_phone(phone)
    raise _invalid_code()


def _user_for_phone(phone: str) -> tuple[Any, bool]:
    User = get_user_model()
    user = _user_with_phone(phone)
    created = user is None
    if user is None:
        user = User(username=_new_username(), phone=phone)
        user.set_unusable_password()
        user.save()
    elif not user.is_active or user_has_business_role(user):
        # A code issued before the account was given a role: refused like a wrong code.
        raise _invalid_code()
    ShopperProfile.objects.get_or_create(user=user)
    return user, created


# --- addresses -------------------------------------------------------------------------------

ADDRESS_FIELDS = ("label", "recipient", "phone", "address", "latitude", "longitude")


def address_create(*, shopper: Any, data: dict[str, Any]) -> ShopperAddress:
    return _address_save(ShopperAddress(shopper=shopper), data)


def address_update(*, address: ShopperAddress, data: dict[str, Any]) -> ShopperAddress:
    return _address_save(address, data)


def _address_save(address: ShopperAddress, data: dict[str, Any]) -> ShopperAddress:
    for field in ADDRESS_FIELDS:
        if field in data:
            setattr(address, field, data[field])
    if not str(address.address).strip():
        raise ValidationFailed(
            _("Enter the address."), fields={"address": [_("This field may not be blank.")]}
        )
    for field, limit in (("latitude", 90), ("longitude", 180)):
        value = getattr(address, field)
        if value is None or not -limit <= Decimal(value) <= limit:
            raise ValidationFailed(
                _("Invalid coordinates."),
                fields={field: [_("Between -%d and %d.") % (limit, limit)]},
            )
    address.save()
    return address


def address_delete(*, address: ShopperAddress) -> None:
    """Orders keep their own copy of the address, so deleting never changes an order."""
    address.delete()


def address_get(*, shopper: Any, address_id: Any) -> ShopperAddress:
    address = ShopperAddress.objects.filter(shopper=shopper, pk=address_id).first()
    if address is None:
        raise NotFound(_("Address not found."))
    return address
