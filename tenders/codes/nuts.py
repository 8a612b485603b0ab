"""NUTS 2024 (Commission Delegated Regulation (EU) 2023/2744) region code checks.

A NUTS code is the two-letter NUTS country code (Greece is EL, not the ISO GR) followed by one
character per level: ``DE`` (level 0), ``DE2`` (1), ``DE21`` (2), ``DE212`` (3). Levels 1-3 use
digits and capital letters; ``Z``, ``ZZ``, ``ZZZ`` are the extra-regio units.
"""

import re
from functools import cache

from tenders.codes.data import CodeList, load_code_list
from tenders.codes.errors import CodeError, gettext_noop

NUTS_PATTERN = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")

# NUTS 2024 level 0: the 27 member states, and the EFTA and candidate countries for which
# Eurostat publishes statistical regions in the same scheme.
NUTS_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
    "CH IS LI NO AL ME MK RS TR".split()
)

# ISO 3166-1 alpha-2 → NUTS country code, where they differ.
ISO_TO_NUTS_COUNTRY = {"GR": "EL"}


@cache
def nuts_code_list() -> CodeList:
    return load_code_list("nuts2024.txt")


def nuts_level(code: str) -> int:
    """0 for a country, 1-3 for the finer levels."""
    return len(code) - 2


def nuts_validate(code: str, *, country: str | None = None, field: str = "nuts") -> str:
    """Return ``code`` upper-cased, or raise ``CodeError`` naming ``field``.

    ``country`` (ISO 3166-1 alpha-2) must then be the region's country. Membership in the
    NUTS 2024 list is enforced where the shipped list is the complete official one.
    """
    value = (code or "").strip().upper()
    if not NUTS_PATTERN.match(value):
        raise CodeError(
            gettext_noop(
                "„%(value)s“ is not a NUTS code: two letters for the country and up to three "
                "characters for the region, e.g. DE212"
            ),
            field=field,
            code=value,
            params={"value": code},
        )
    if value[:2] not in NUTS_COUNTRIES:
        raise CodeError(
            gettext_noop(
                "„%(value)s“ is not a NUTS 2024 code: %(country)s is not a NUTS country (Greece "
                "is EL)"
            ),
            field=field,
            code=value,
            params={"value": value, "country": value[:2]},
        )
    if country is not None:
        expected = ISO_TO_NUTS_COUNTRY.get(country.upper(), country.upper())
        if value[:2] != expected:
            raise CodeError(
                gettext_noop("„%(value)s“ lies in %(region)s, not in the country %(country)s"),
                field=field,
                code=value,
                params={"value": value, "region": value[:2], "country": country.upper()},
            )
    listed = nuts_code_list()
    if listed.complete and value not in listed:
        raise CodeError(
            gettext_noop("„%(value)s“ is not in the NUTS 2024 classification"),
            field=field,
            code=value,
            params={"value": value},
        )
    return value
