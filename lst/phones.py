"""Mobile numbers in one form: E.164 ("+8613900000099"), whatever digits or layout were typed.

Full-width and Arabic-Indic digits, spaces, dashes, brackets, a leading +86 / 0086 / 86 all give
the same number, so one number is one account and one bucket for the code-request throttle.
Only mobile numbers of the regions in PHONE_REGIONS (ISO 3166 codes, default CN) are accepted:
the login codes are text messages, and a number abroad would be paid for (SMS pumping).
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings

#: Longest input worth parsing: E.164 is at most 15 digits; the rest is layout.
MAX_INPUT = 32
_MOBILE = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def phone_regions() -> list[str]:
    return [str(r).upper() for r in settings.PHONE_REGIONS]


def phone_e164(raw: object) -> str | None:
    """The number in E.164, or None when it is not a valid mobile number of PHONE_REGIONS."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_INPUT:
        return None
    regions = phone_regions()
    try:
        number = phonenumbers.parse(raw, regions[0] if regions else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) not in regions:
        return None
    if phonenumbers.number_type(number) not in _MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_stored_forms(e164: str) -> list[str]:
    """The forms one number may be stored in: E.164, and the bare digits that accounts made
    before numbers were normalised hold (national, and with the country code)."""
    number = phonenumbers.parse(e164, None)
    national = str(number.national_number)
    return [e164, national, f"{number.country_code}{national}"]
