from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to two decimals the commercial way (ROUND_HALF_UP); only at document edges."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
