"""Validators for the identifiers German and French invoices carry, with their check digits.

Each ``validate_*`` function returns the normalised identifier (upper case, spaces removed) or
raises ``InvalidIdentifierError`` with a message that names the rule; ``is_valid_*`` wraps it for
callers that only need a yes/no. Forms, the REST API and the engine use the same functions.
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidIdentifierError",
    "is_valid_bic",
    "is_valid_de_vat",
    "is_valid_eu_vat",
    "is_valid_fr_vat",
    "is_valid_iban",
    "is_valid_leitweg_id",
    "is_valid_siren",
    "is_valid_siret",
    "validate_bic",
    "validate_de_vat",
    "validate_eu_vat",
    "validate_fr_vat",
    "validate_iban",
    "validate_leitweg_id",
    "validate_siren",
    "validate_siret",
]


class InvalidIdentifierError(ValueError):
    """An identifier with the wrong format or a wrong check digit."""


def _compact(value: str) -> str:
    return re.sub(r"[\s.]", "", value).upper()


def _alnum_to_digits(value: str) -> str:
    # ISO 7064 / ISO 13616 letter conversion: A=10 … Z=35.
    return "".join(str(int(ch, 36)) for ch in value)


_LEITWEG = re.compile(r"^(\d{2,12})(?:-([A-Z0-9]{1,30}))?-(\d{2})$")


def validate_leitweg_id(value: str) -> str:
    """Leitweg-ID: coarse address (2-12 digits), optional fine address, mod 97-10 check digits.

    Specification: KoSIT "Format-Spezifikation Leitweg-ID" 2.0.2, check digits per ISO/IEC 7064
    MOD 97-10 over coarse and fine address with letters as in IBAN.
    """
    compact = value.strip().upper()
    match = _LEITWEG.match(compact)
    if not match:
        raise InvalidIdentifierError(
            f"{value!r} is not a Leitweg-ID: expected coarse address (2-12 digits), optional "
            "fine address (up to 30 letters or digits) and 2 check digits, separated by '-'"
        )
    coarse, fine, check = match.group(1), match.group(2) or "", match.group(3)
    if int(_alnum_to_digits(coarse + fine + check)) % 97 != 1:
        raise InvalidIdentifierError(
            f"Leitweg-ID {value!r}: check digits {check} are wrong (ISO 7064 MOD 97-10)"
        )
    return compact


def leitweg_check_digits(prefix: str) -> str:
    """The two check digits for a Leitweg-ID prefix ``coarse[-fine]`` (for test data and forms)."""
    body = prefix.upper().replace("-", "")
    return f"{98 - int(_alnum_to_digits(body) + '00') % 97:02d}"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        n = int(ch)
        if index % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def validate_siren(value: str) -> str:
    """SIREN: 9 digits, Luhn check (INSEE)."""
    compact = _compact(value)
    if not re.fullmatch(r"\d{9}", compact):
        raise InvalidIdentifierError(f"{value!r} is not a SIREN: expected 9 digits")
    if not _luhn_ok(compact):
        raise InvalidIdentifierError(f"SIREN {value!r}: Luhn check digit is wrong")
    return compact


# La Poste's establishments share SIREN 356000000; their SIRETs fail Luhn by design and are
# checked instead by a digit sum divisible by 5 (INSEE rule).
_LA_POSTE_SIREN = "356000000"


def validate_siret(value: str) -> str:
    """SIRET: SIREN + 5-digit establishment number, Luhn over all 14 digits (La Poste aside)."""
    compact = _compact(value)
    if not re.fullmatch(r"\d{14}", compact):
        raise InvalidIdentifierError(f"{value!r} is not a SIRET: expected 14 digits")
    if compact.startswith(_LA_POSTE_SIREN) and compact != _LA_POSTE_SIREN + "00048":
        if sum(int(ch) for ch in compact) % 5 != 0:
            raise InvalidIdentifierError(
                f"SIRET {value!r}: La Poste establishment number fails the digit-sum check"
            )
        return compact
    if not _luhn_ok(compact):
        raise InvalidIdentifierError(f"SIRET {value!r}: Luhn check digit is wrong")
    return compact


def validate_de_vat(value: str) -> str:
    """German USt-IdNr: DE + 9 digits, the last an ISO 7064 MOD 11,10 check digit."""
    compact = _compact(value)
    if not re.fullmatch(r"DE\d{9}", compact):
        raise InvalidIdentifierError(f"{value!r} is not a German VAT id: expected DE + 9 digits")
    digits = compact[2:]
    if digits[0] == "0":
        raise InvalidIdentifierError(f"German VAT id {value!r} cannot start with 0 after DE")
    product = 10
    for ch in digits[:8]:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    if check != int(digits[8]):
        raise InvalidIdentifierError(
            f"German VAT id {value!r}: check digit should be {check} (ISO 7064 MOD 11,10)"
        )
    return compact


def validate_fr_vat(value: str) -> str:
    """French VAT id: FR + 2-character key + SIREN; a numeric key is (12 + 3 x (SIREN mod 97))
    mod 97, an alphanumeric key (newer numbers) is checked for format only."""
    compact = _compact(value)
    match = re.fullmatch(r"FR([0-9A-HJ-NP-Z]{2})(\d{9})", compact)
    if not match:
        raise InvalidIdentifierError(
            f"{value!r} is not a French VAT id: expected FR + 2-character key + 9-digit SIREN"
        )
    key, siren = match.groups()
    validate_siren(siren)
    if key.isdigit():
        expected = (12 + 3 * (int(siren) % 97)) % 97
        if int(key) != expected:
            raise InvalidIdentifierError(
                f"French VAT id {value!r}: key should be {expected:02d} for SIREN {siren}"
            )
    return compact


# EU member states' VAT prefixes (EL is Greece, XI Northern Ireland under the Windsor Framework)
# and the national number formats published in the VIES documentation.
_EU_VAT_FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


EU_VAT_PREFIXES = frozenset(_EU_VAT_FORMATS)


def validate_eu_vat(value: str) -> str:
    """Any EU VAT id by its country's format; DE and FR also by their check digits."""
    compact = _compact(value)
    prefix, number = compact[:2], compact[2:]
    pattern = _EU_VAT_FORMATS.get(prefix)
    if pattern is None:
        raise InvalidIdentifierError(
            f"{value!r}: {prefix!r} is not an EU VAT prefix (Greece is EL, not GR)"
        )
    if not re.fullmatch(pattern, number):
        raise InvalidIdentifierError(f"{value!r} does not match the {prefix} VAT id format")
    if prefix == "DE":
        return validate_de_vat(compact)
    if prefix == "FR":
        return validate_fr_vat(compact)
    return compact


# ISO 13616 registry lengths of the SEPA countries.
_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22,
}  # fmt: skip


def validate_iban(value: str) -> str:
    """IBAN: country, 2 check digits, BBAN; length per country; ISO 7064 MOD 97-10 == 1."""
    compact = _compact(value)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        raise InvalidIdentifierError(f"{value!r} is not an IBAN")
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        raise InvalidIdentifierError(
            f"IBAN {value!r}: a {compact[:2]} IBAN has {expected} characters, not {len(compact)}"
        )
    if int(_alnum_to_digits(compact[4:] + compact[:4])) % 97 != 1:
        raise InvalidIdentifierError(f"IBAN {value!r}: check digits are wrong (MOD 97-10)")
    return compact


def validate_bic(value: str) -> str:
    """BIC (ISO 9362): 4 letters institution, 2 letters country, 2 location, optional 3 branch."""
    compact = _compact(value)
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", compact):
        raise InvalidIdentifierError(
            f"{value!r} is not a BIC: expected 8 or 11 characters (bank, country, location, "
            "optional branch)"
        )
    return compact


def _is_valid(validator: object, value: str) -> bool:
    try:
        validator(value)  # type: ignore[operator]
    except InvalidIdentifierError:
        return False
    return True


def is_valid_leitweg_id(value: str) -> bool:
    return _is_valid(validate_leitweg_id, value)


def is_valid_siren(value: str) -> bool:
    return _is_valid(validate_siren, value)


def is_valid_siret(value: str) -> bool:
    return _is_valid(validate_siret, value)


def is_valid_de_vat(value: str) -> bool:
    return _is_valid(validate_de_vat, value)


def is_valid_fr_vat(value: str) -> bool:
    return _is_valid(validate_fr_vat, value)


def is_valid_eu_vat(value: str) -> bool:
    return _is_valid(validate_eu_vat, value)


def is_valid_iban(value: str) -> bool:
    return _is_valid(validate_iban, value)


def is_valid_bic(value: str) -> bool:
    return _is_valid(validate_bic, value)
