"""CPV 2008 (Common Procurement Vocabulary, Regulation (EC) No 213/2008) code checks.

A CPV main-vocabulary code is written ``NNNNNNNN-C``: eight digits for division (2), group (3),
class (4), category (5) and finer levels (6-8, trailing zeros for coarser codes), then a check
digit. eForms notices carry the eight digits only; OCDS releases and our forms carry all nine.
"""

import re
from functools import cache

from tenders.codes.data import CodeList, load_code_list
from tenders.codes.errors import CodeError, gettext_noop

CPV_PATTERN = re.compile(r"^(?P<digits>\d{8})-(?P<check>\d)$")

# The 45 divisions of the CPV 2008 main vocabulary (Regulation (EC) No 213/2008, Annex I).
# Every code starts with one of them, so this catches most mistyped codes even without the list.
CPV_DIVISIONS = frozenset(
    "03 09 14 15 16 18 19 22 24 30 31 32 33 34 35 37 38 39 41 42 43 44 45 48 50 51 55 60 63 64 "
    "65 66 70 71 72 73 75 76 77 79 80 85 90 92 98".split()
)

# The check digit. The regulation prints each code with its check digit but does not state how
# the digit is computed, and the Publications Office documents no algorithm either. The rule
# below was derived by us from published codes (the regulation's annex as reproduced in
# procurement portals): the sum of the eight digits weighted 3, 7, 1, 3, 7, 1, 3, 7 (left to
# right), modulo 10. It reproduces the printed check digit of 114 of 118 division and group
# codes we compared (e.g. 45000000-7, 72000000-5, 03111900-1, 45216129-4); the 4 others lie in
# subtrees where the printed digits are shifted by a constant (CPV 2008 moved them in from
# older numbering), listed in CPV_CHECK_EXCEPTIONS. So the rule is a typo check, not the
# authority: when the official list is installed (see tenders.codes.build), its digit decides.
CPV_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)

# Prefix → offset added to the weighted sum where the printed digits deviate from the rule.
# Evidence (each seen in independent sources): 09100000-0, 09123000-7, 09132000-3,
# 09134100-8, 09200000-1, 09300000-2, 09310000-5; 51000000-9 (the division heading only:
# 51100000-3 and 51110000-6 follow the rule).
CPV_CHECK_EXCEPTIONS: dict[str, int] = {
    "091": 6,
    "092": 6,
    "093": 6,
    "51000000": 7,
}

# Prefix → offset of a second digit we also accept, where sources disagree: 03300000 appears
# as -2 and as -4 (the rule). Accepting both never refuses the valid code of the two.
CPV_CHECK_UNCERTAIN: dict[str, int] = {
    "033": 8,
}


def _weighted(digits: str) -> int:
    if len(digits) != 8 or not digits.isdigit():
        raise CodeError(
            gettext_noop("a CPV code has exactly eight digits before the check digit"), code=digits
        )
    return sum(int(d) * w for d, w in zip(digits, CPV_WEIGHTS, strict=True))


def _offset(digits: str, table: dict[str, int]) -> int | None:
    return next((off for prefix, off in table.items() if digits.startswith(prefix)), None)


def cpv_check_digit(digits: str) -> int:
    """Check digit for the eight CPV digits by the weighted rule, with the known exceptions."""
    return (_weighted(digits) + (_offset(digits, CPV_CHECK_EXCEPTIONS) or 0)) % 10


def cpv_check_digits(digits: str) -> tuple[int, ...]:
    """Every check digit we accept for ``digits`` while the official list is not installed."""
    expected = cpv_check_digit(digits)
    uncertain = _offset(digits, CPV_CHECK_UNCERTAIN)
    if uncertain is None:
        return (expected,)
    return (expected, (_weighted(digits) + uncertain) % 10)


@cache
def cpv_code_list() -> CodeList:
    """The CPV 2008 list shipped in ``tenders/codes/data`` (complete or not: see its header)."""
    return load_code_list("cpv2008.txt")


def cpv_validate(code: str, *, field: str = "cpv") -> str:
    """Return ``code`` normalised (``NNNNNNNN-C``) or raise ``CodeError`` naming ``field``.

    Accepts surrounding blanks. Checks format, division, check digit and, where the shipped
    list is the complete official one, membership in CPV 2008.
    """
    value = (code or "").strip()
    match = CPV_PATTERN.match(value)
    if not match:
        raise CodeError(
            gettext_noop(
                "„%(value)s“ is not a CPV code: expected eight digits, a hyphen and a check "
                "digit, e.g. 45000000-7"
            ),
            field=field,
            code=value,
            params={"value": value},
        )
    digits, check = match["digits"], int(match["check"])
    if digits[:2] not in CPV_DIVISIONS:
        raise CodeError(
            gettext_noop(
                "„%(value)s“ is not a CPV code: division %(division)s does not exist in CPV 2008"
            ),
            field=field,
            code=value,
            params={"value": value, "division": digits[:2]},
        )
    listed = cpv_code_list()
    official = listed.check_digit_for(digits)
    if listed.complete and official is None and digits not in listed:
        raise CodeError(
            gettext_noop(
                "„%(value)s“ is not in the CPV 2008 code list (Regulation (EC) No 213/2008)"
            ),
            field=field,
            code=value,
            params={"value": value},
        )
    # Some official sources (the eForms genericode) list the eight digits without check digit.
    accepted = (official,) if official is not None else cpv_check_digits(digits)
    if check not in accepted:
        raise CodeError(
            gettext_noop("„%(value)s“ has a wrong check digit: %(expected)s expected"),
            field=field,
            code=value,
            params={"value": value, "expected": f"{digits}-{accepted[0]}"},
        )
    return value


def cpv_digits(code: str) -> str:
    """The eight digits eForms wants (BT-262/BT-263), from a validated ``NNNNNNNN-C`` code."""
    return cpv_validate(code)[:8]
