from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to two decimals the commercial way (ROUND_HALF_UP); only at document edges."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: object, currency: str = "") -> str:
    """An amount as the active language writes it, grouped, two decimals, then the currency:
    "300.000,00 EUR", "300,000.00 EUR", "300 000,00 EUR" (Django's own localisation prints
    "300000,00"). Empty for a missing amount; anything that is no number comes back as text."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".rstrip()
