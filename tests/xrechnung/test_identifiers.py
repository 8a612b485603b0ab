"""Identifier validators: format and check digits, one function each."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xrechnung.identifiers import (
    InvalidIdentifierError,
    is_valid_bic,
    is_valid_de_vat,
    is_valid_eu_vat,
    is_valid_fr_vat,
    is_valid_iban,
    is_valid_leitweg_id,
    is_valid_siren,
    is_valid_siret,
    leitweg_check_digits,
    validate_de_vat,
    validate_iban,
    validate_leitweg_id,
    validate_siret,
)


@pytest.mark.parametrize(
    "value", ["04011000-12345-03", "991-33333TEST-33", "04011000-1234512345-06", "992-90009-96"]
)
def test_valid_leitweg_ids(value: str) -> None:
    assert is_valid_leitweg_id(value)


@pytest.mark.parametrize(
    "value", ["04011000-12345-04", "04011000-12345", "ABC-12345-03", "1-12345-03", ""]
)
def test_invalid_leitweg_ids(value: str) -> None:
    assert not is_valid_leitweg_id(value)


@given(
    coarse=st.from_regex(r"\d{2,12}", fullmatch=True),
    fine=st.from_regex(r"[A-Z0-9]{0,30}", fullmatch=True),
)
def test_leitweg_check_digits_round_trip(coarse: str, fine: str) -> None:
    prefix = f"{coarse}-{fine}" if fine else coarse
    value = f"{prefix}-{leitweg_check_digits(prefix)}"
    assert validate_leitweg_id(value) == value
    wrong = (int(value[-2:]) + 1) % 100
    assert not is_valid_leitweg_id(f"{prefix}-{wrong:02d}")


def test_leitweg_error_names_the_check() -> None:
    with pytest.raises(InvalidIdentifierError, match="MOD 97-10"):
        validate_leitweg_id("04011000-12345-99")


def test_siren_and_siret_luhn() -> None:
    assert is_valid_siren("732829320")
    assert not is_valid_siren("732829321")
    assert is_valid_siret("73282932000074")
    assert is_valid_siret("732 829 320 00074")
    assert not is_valid_siret("73282932000075")
    assert not is_valid_siret("7328293200007")


def test_la_poste_siret_uses_digit_sum() -> None:
    # La Poste establishments share SIREN 356000000 and are checked by digit sum % 5.
    assert is_valid_siret("35600000000048")  # head office, also Luhn-valid
    assert is_valid_siret("35600000049837")  # digit sum 50
    assert not is_valid_siret("35600000049838")


def test_german_vat_mod_11_10() -> None:
    assert is_valid_de_vat("DE136695976")
    assert is_valid_de_vat("DE 811 569 869")
    assert not is_valid_de_vat("DE136695977")
    assert not is_valid_de_vat("DE13669597")
    with pytest.raises(InvalidIdentifierError, match="check digit should be 6"):
        validate_de_vat("DE136695970")


def test_french_vat_key() -> None:
    assert is_valid_fr_vat("FR44732829320")
    assert not is_valid_fr_vat("FR45732829320")
    assert is_valid_fr_vat("FRA1732829320")  # alphanumeric keys: format only
    assert not is_valid_fr_vat("FR44732829321")  # SIREN fails Luhn


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ATU13585627", True),
        ("NL004495445B01", True),
        ("EL094259216", True),
        ("GR094259216", False),
        ("DE136695976", True),
        ("DE136695977", False),
        ("FR44732829320", True),
        ("IT0123456789", False),
        ("US123456789", False),
    ],
)
def test_eu_vat_formats(value: str, ok: bool) -> None:
    assert is_valid_eu_vat(value) is ok


def test_iban_mod97_and_length() -> None:
    assert is_valid_iban("DE02120300000000202051")
    assert is_valid_iban("de02 1203 0000 0000 2020 51")
    assert is_valid_iban("FR7630006000011234567890189")
    assert not is_valid_iban("DE02120300000000202052")
    with pytest.raises(InvalidIdentifierError, match="22 characters"):
        validate_iban("DE0212030000000020205")


def test_bic_format() -> None:
    assert is_valid_bic("BYLADEM1001")
    assert is_valid_bic("AGRIFRPP")
    assert not is_valid_bic("AGRIFRP")
    assert not is_valid_bic("1GRIFRPP")


def test_normalised_value_is_returned() -> None:
    assert validate_siret(" 732 829 320 00074 ") == "73282932000074"
    assert validate_iban("de02 1203 0000 0000 2020 51") == "DE02120300000000202051"
