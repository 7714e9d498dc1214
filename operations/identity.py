"""Identity documents of volunteers: national ID, resident certificates (new and old format) and
passports. Checksums follow DOMAIN.md §3.2–3.3; masking follows the 國發會 rule (last four hidden)."""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Letter → code: index in this string + 10 (I and O come last, W before Z).
LETTER_ORDER = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
LETTER_CODE = {letter: index + 10 for index, letter in enumerate(LETTER_ORDER)}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1, 1)

NATIONAL_ID_RE = re.compile(r"^[A-Z][12]\d{8}$")
ARC_NEW_RE = re.compile(r"^[A-Z][89]\d{8}$")
ARC_OLD_RE = re.compile(r"^[A-Z][A-D]\d{8}$")
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


class IdType(models.TextChoices):
    NATIONAL_ID = "national_id", _("National ID")
    ARC_NEW = "arc_new", _("Resident certificate (new format)")
    ARC_OLD = "arc_old", _("Resident certificate (old format)")
    PASSPORT = "passport", _("Passport")


def normalize_id_number(value: str | None) -> str:
    """Trim, drop inner spaces and hyphens, uppercase (full-width letters and digits too)."""
    if not value:
        return ""
    value = value.strip()
    # Full-width ASCII (Ａ１２…) is common when typed on a Chinese input method.
    value = "".join(chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else ch for ch in value)
    return re.sub(r"[\s\-]", "", value).upper()


def _checksum_ok(first_code: int, second_digit: int, digits: str) -> bool:
    total = (first_code // 10) + (first_code % 10) * 9 + second_digit * WEIGHTS[0]
    for weight, digit in zip(WEIGHTS[1:], digits, strict=True):
        total += weight * int(digit)
    return total % 10 == 0


def checksum_valid(number: str) -> bool:
    """True when a national ID or resident certificate number (either format) has a valid check digit."""
    if NATIONAL_ID_RE.match(number) or ARC_NEW_RE.match(number):
        return _checksum_ok(LETTER_CODE[number[0]], int(number[1]), number[2:])
    if ARC_OLD_RE.match(number):
        return _checksum_ok(LETTER_CODE[number[0]], LETTER_CODE[number[1]] % 10, number[2:])
    return False


def guess_id_type(number: str) -> str | None:
    number = normalize_id_number(number)
    if NATIONAL_ID_RE.match(number):
        return IdType.NATIONAL_ID
    if ARC_NEW_RE.match(number):
        return IdType.ARC_NEW
    if ARC_OLD_RE.match(number):
        return IdType.ARC_OLD
    return None


def validate_id_number(id_type: str, raw_number: str) -> str:
    """Return the normalised number or raise ValidationError with a message that says what is wrong."""
    number = normalize_id_number(raw_number)
    if not number:
        raise ValidationError(_("Enter the identity document number."), code="required")
    if id_type == IdType.PASSPORT:
        if not PASSPORT_RE.match(number):
            raise ValidationError(
                _("A passport number has 5 to 20 letters and digits only."), code="passport_format"
            )
        return number
    patterns = {
        IdType.NATIONAL_ID: (
            NATIONAL_ID_RE,
            _("A national ID is one letter, then 1 or 2, then eight digits (for example A123456789)."),
        ),
        IdType.ARC_NEW: (
            ARC_NEW_RE,
            _("A new-format resident certificate number is one letter, then 8 or 9, then eight digits."),
        ),
        IdType.ARC_OLD: (
            ARC_OLD_RE,
            _("An old-format resident certificate number is two letters (the second A to D), then eight digits."),
        ),
    }
    if id_type not in patterns:
        raise ValidationError(_("Choose the type of identity document."), code="id_type")
    pattern, message = patterns[id_type]
    if not pattern.match(number):
        other = guess_id_type(number)
        if other and other != id_type:
            raise ValidationError(
                _("This number looks like a %(other)s, not a %(chosen)s. Check the document type.")
                % {"other": IdType(other).label, "chosen": IdType(id_type).label},
                code="wrong_type",
            )
        raise ValidationError(message, code="format")
    if not checksum_valid(number):
        raise ValidationError(
            _("The check digit does not match: one of the characters is probably mistyped."),
            code="checksum",
        )
    return number


def mask_id_number(number: str | None) -> str:
    """Hide the last four characters: A123456789 → A12345****."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:-4] + "****"


def generate_national_id(rng, *, sex: str | None = None, letter: str | None = None) -> str:
    """A valid random national ID (for demo and load data)."""
    letter = letter or rng.choice("ABFHJO")
    second = {"M": 1, "F": 2}.get(sex or "", rng.choice((1, 2)))
    body = "".join(str(rng.randrange(10)) for _ in range(7))
    code = LETTER_CODE[letter]
    partial = (code // 10) + (code % 10) * 9 + second * 8
    partial += sum(w * int(d) for w, d in zip(WEIGHTS[1:8], body, strict=True))
    check = (10 - partial % 10) % 10
    return f"{letter}{second}{body}{check}"
