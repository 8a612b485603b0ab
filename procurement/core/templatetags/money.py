"""Amounts as the reader's language writes them: ``{{ value|money:currency }}``.

Django's own localisation prints a Decimal without grouping ("300000,00"); an officer reads
"300.000,00 EUR", an English reader "300,000.00 EUR", a French one "300 000,00 EUR".
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """Two decimals, grouped, followed by the currency code; empty for a missing amount."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".rstrip()
