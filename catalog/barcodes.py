"""EAN-13 barcodes: the check digit rule, shared by the validator and the database constraint."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Expression, F, IntegerField, Q, Value
from django.db.models.functions import Cast, Length, Mod, Substr
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

WEIGHTS = (1, 3) * 6  # positions 1..12; the 13th digit is the check digit (weight 1)


def ean13_check_digit(first12: str) -> int:
    total = sum(int(d) * w for d, w in zip(first12, WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return (
        len(code) == 13
        and code.isascii()
        and code.isdigit()
        and ean13_check_digit(code[:12]) == int(code[12])
    )


def validate_ean13(value: str) -> None:
    if not is_valid_ean13(value):
        raise ValidationError(
            _("%(value)s is not a valid EAN-13 barcode (13 digits with a correct check digit)."),
            code="invalid_barcode",
            params={"value": value},
        )


def ean13_condition(field: str) -> Q:
    """A CHECK condition portable to SQLite and PostgreSQL: 13 digits whose weighted sum is 0 mod 10."""
    digits = [Substr(F(field), i, 1) for i in range(1, 14)]
    all_digits = Q(Exact(Length(F(field)), Value(13)))
    for d in digits:
        all_digits &= Q(GreaterThanOrEqual(d, Value("0"))) & Q(LessThanOrEqual(d, Value("9")))
    weighted: Expression = Cast(digits[12], IntegerField())
    for d, w in zip(digits[:12], WEIGHTS, strict=True):
        weighted = weighted + Cast(d, IntegerField()) * Value(w)
    return all_digits & Q(Exact(Mod(weighted, Value(10)), Value(0)))
