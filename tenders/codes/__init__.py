"""Checks of the classification codes a tender carries: CPV 2008 and NUTS 2024.

Pure Python (no Django): used by forms, the API and the publication builders alike.
"""

from tenders.codes.cpv import (
    cpv_check_digit,
    cpv_check_digits,
    cpv_code_list,
    cpv_digits,
    cpv_validate,
)
from tenders.codes.errors import CodeError
from tenders.codes.nuts import nuts_code_list, nuts_level, nuts_validate

__all__ = [
    "CodeError",
    "cpv_check_digit",
    "cpv_check_digits",
    "cpv_code_list",
    "cpv_digits",
    "cpv_validate",
    "nuts_code_list",
    "nuts_level",
    "nuts_validate",
]
