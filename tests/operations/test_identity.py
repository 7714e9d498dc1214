"""Identity documents: checksums of DOMAIN.md §3.2–3.3, normalisation of what people type, messages
that say what is wrong, passports, and the A12345**** mask."""
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from operations.identity import (
    IdType,
    checksum_valid,
    generate_national_id,
    guess_id_type,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)
from tests.conftest import CJK_RE


def error_of(id_type, number, language="en") -> ValidationError:
    """The error, raised while `language` is active (messages with details are worded when raised)."""
    with translation.override(language):
        with pytest.raises(ValidationError) as info:
            validate_id_number(id_type, number)
        info.value.text = str(info.value.messages[0])  # read while the language is still active
    return info.value


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.NATIONAL_ID, "A123456789"),
        (IdType.ARC_NEW, "A800000014"),
        (IdType.ARC_NEW, "A823456783"),
        (IdType.ARC_OLD, "AA00000009"),
        (IdType.ARC_OLD, "AB12345677"),
    ],
)
def test_documented_vectors_are_valid(id_type, number):
    assert checksum_valid(number)
    assert validate_id_number(id_type, number) == number


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.ARC_OLD, "AB12345678"),  # DOMAIN.md §3.3: invalid
        (IdType.NATIONAL_ID, "A123456788"),
        (IdType.NATIONAL_ID, "B123456789"),  # same digits, other area letter
        (IdType.ARC_NEW, "A800000015"),
    ],
)
def test_wrong_check_digit_is_refused_with_a_checksum_message(id_type, number):
    assert not checksum_valid(number)
    error = error_of(id_type, number)
    assert error.code == "checksum"
    assert "check digit does not match" in error.text


def test_only_the_right_check_digit_is_accepted():
    for number in ("A123456789", "A800000014", "AB12345677"):
        for digit in "0123456789":
            candidate = number[:-1] + digit
            assert checksum_valid(candidate) == (digit == number[-1]), candidate


@pytest.mark.parametrize(
    "typed",
    ["a123456789", "  A123456789 ", "A 1234 56789", "a-123-456-789", "Ａ１２３４５６７８９", "ａ123456789\t"],
)
def test_typed_variants_are_normalised_to_the_canonical_number(typed):
    assert normalize_id_number(typed) == "A123456789"
    assert validate_id_number(IdType.NATIONAL_ID, typed) == "A123456789"


def test_lowercase_old_resident_certificate_is_accepted():
    assert validate_id_number(IdType.ARC_OLD, " ab12345677 ") == "AB12345677"


@pytest.mark.parametrize(
    ("chosen", "number", "looks_like"),
    [
        (IdType.NATIONAL_ID, "A800000014", "Resident certificate (new format)"),
        (IdType.NATIONAL_ID, "AB12345677", "Resident certificate (old format)"),
        (IdType.ARC_NEW, "A123456789", "National ID"),
        (IdType.ARC_OLD, "A823456783", "Resident certificate (new format)"),
    ],
)
def test_number_of_another_document_type_gets_a_hint_to_change_the_type(chosen, number, looks_like):
    error = error_of(chosen, number)
    assert error.code == "wrong_type"
    message = error.text
    assert looks_like in message
    assert "Check the document type" in message


@pytest.mark.parametrize(
    ("id_type", "number", "fragment"),
    [
        (IdType.NATIONAL_ID, "A12345678", "one letter, then 1 or 2, then eight digits"),
        (IdType.NATIONAL_ID, "A323456789", "one letter, then 1 or 2, then eight digits"),
        (IdType.NATIONAL_ID, "1234567890", "one letter, then 1 or 2, then eight digits"),
        (IdType.ARC_NEW, "A7234567890", "one letter, then 8 or 9, then eight digits"),
        (IdType.ARC_OLD, "AE12345677", "two letters (the second A to D)"),
    ],
)
def test_malformed_number_gets_a_format_message(id_type, number, fragment):
    error = error_of(id_type, number)
    assert error.code == "format"
    assert fragment in error.text


def test_empty_number_and_unknown_type_are_refused():
    assert error_of(IdType.NATIONAL_ID, "   ").code == "required"
    assert error_of("driving_licence", "A123456789").code == "id_type"


@pytest.mark.parametrize(
    ("id_type", "number"),
    [(IdType.NATIONAL_ID, "A123456788"), (IdType.NATIONAL_ID, "A800000014"), (IdType.NATIONAL_ID, "A12345"),
     (IdType.PASSPORT, "AB"), (IdType.ARC_OLD, "")],
)
def test_messages_are_bilingual(id_type, number):
    english = error_of(id_type, number, "en").text
    chinese = error_of(id_type, number, "zh-hant").text
    assert english != chinese
    assert CJK_RE.search(chinese), chinese
    assert not CJK_RE.search(english), english


def test_passport_numbers_are_free_form_letters_and_digits():
    assert validate_id_number(IdType.PASSPORT, " 3123-45678 ") == "312345678"
    assert validate_id_number(IdType.PASSPORT, "xa1234567") == "XA1234567"
    for bad in ("AB12", "E1234567!", "A" * 21):
        error = error_of(IdType.PASSPORT, bad)
        assert error.code == "passport_format"
        assert "5 to 20 letters and digits" in error.text


def test_passport_number_skips_the_taiwanese_checksum():
    # a passport may look like anything, even like an invalid national ID
    assert validate_id_number(IdType.PASSPORT, "A123456788") == "A123456788"


def test_guess_id_type():
    assert guess_id_type("a123456789") == IdType.NATIONAL_ID
    assert guess_id_type("A923456789") == IdType.ARC_NEW
    assert guess_id_type("AC12345678") == IdType.ARC_OLD
    assert guess_id_type("X12") is None


@pytest.mark.parametrize(
    ("number", "masked"),
    [("A123456789", "A12345****"), ("AB12345677", "AB1234****"), ("312345678", "31234****"), ("AB12", "****"),
     ("", "")],
)
def test_mask_hides_the_last_four_characters(number, masked):
    assert mask_id_number(number) == masked


def test_generated_ids_are_valid_and_carry_the_sex_digit():
    rng = random.Random(7)
    for _ in range(500):
        number = generate_national_id(rng)
        assert validate_id_number(IdType.NATIONAL_ID, number) == number
    assert generate_national_id(rng, sex="M")[1] == "1"
    assert generate_national_id(rng, sex="F")[1] == "2"
    assert generate_national_id(rng, letter="O")[0] == "O"
