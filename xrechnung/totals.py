"""Document totals and VAT breakdown computed from an ``Invoice`` (EN 16931 BR-CO-10 … BR-CO-17).

Amounts keep full precision while they are summed and are quantized to cents with ROUND_HALF_UP
only where they become a document amount (line net, breakdown, totals), as BR-DEC-* demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from xrechnung.model import Invoice, Line, VatCategory, XRechnungModelError

CENT = Decimal("0.01")
ZERO = Decimal("0")
_CATEGORY_ORDER = {category: index for index, category in enumerate(VatCategory)}


def money(amount: Decimal) -> Decimal:
    """Quantize to the two decimals EN 16931 allows for document amounts (BR-DEC-*)."""
    result = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    # Decimal keeps the sign of zero; "-0.00" fails rules that compare the text (BR-AE-09 in CII).
    return abs(result) if result == 0 else result


@dataclass(frozen=True, kw_only=True)
class VatBreakdown:
    """BG-23, one per VAT category and rate."""

    category: VatCategory  # BT-118
    rate: Decimal | None  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str | None = None  # BT-120
    exemption_code: str | None = None  # BT-121


@dataclass(frozen=True, kw_only=True)
class Totals:
    """BG-22 document totals plus the VAT breakdown and each line's net amount."""

    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    tax_total_accounting: Decimal | None  # BT-111, in the VAT accounting currency BT-6
    tax_inclusive: Decimal  # BT-112
    prepaid: Decimal  # BT-113
    rounding: Decimal  # BT-114
    payable: Decimal  # BT-115
    breakdown: tuple[VatBreakdown, ...]
    line_nets: tuple[Decimal, ...]  # BT-131, in line order


def line_net(line: Line) -> Decimal:
    """BT-131 = quantity x net price / base quantity + line charges - line allowances."""
    base = line.price_base_quantity or Decimal("1")
    amount = line.quantity * line.unit_price / base
    for ac in line.allowances_charges:
        amount += money(ac.amount) if ac.is_charge else -money(ac.amount)
    return money(amount)


def vat_amount(taxable: Decimal, rate: Decimal | None) -> Decimal:
    """BT-117 = BT-116 x BT-119 / 100, rounded to cents (BR-CO-17)."""
    if rate is None:
        return money(ZERO)
    return money(taxable * rate / Decimal(100))


def compute_totals(invoice: Invoice) -> Totals:
    """Compute BG-22 and BG-23 from lines, allowances and charges.

    Works on any model, also one read from a foreign document; writers call
    ``xrechnung.model.check_invoice`` first. Raises ``XRechnungModelError`` only when a document
    level allowance or charge has no VAT category (nothing to add it to).
    """
    line_nets = tuple(line_net(line) for line in invoice.lines)
    taxable: dict[tuple[VatCategory, Decimal | None], Decimal] = {}
    for line, net in zip(invoice.lines, line_nets, strict=True):
        key = (line.vat_category, _rate_key(line.vat_rate))
        taxable[key] = taxable.get(key, ZERO) + net
    allowance_total = ZERO
    charge_total = ZERO
    for ac in invoice.allowances_charges:
        if ac.vat_category is None:
            raise XRechnungModelError(
                "A document level allowance or charge needs a VAT category", rule="BR-32/BR-37"
            )
        amount = money(ac.amount)
        key = (ac.vat_category, _rate_key(ac.vat_rate))
        if ac.is_charge:
            charge_total += amount
            taxable[key] = taxable.get(key, ZERO) + amount
        else:
            allowance_total += amount
            taxable[key] = taxable.get(key, ZERO) - amount
    breakdown = []
    for (category, rate), base in sorted(
        taxable.items(), key=lambda item: (_CATEGORY_ORDER[item[0][0]], item[0][1] or ZERO)
    ):
        exemption = invoice.exemption_for(category)
        breakdown.append(
            VatBreakdown(
                category=category,
                # Documents carry BT-119 = 0 for category O (XRechnung BR-DE-14 demands it).
                rate=ZERO if category == VatCategory.NOT_SUBJECT else rate,
                taxable_amount=money(base),
                tax_amount=vat_amount(money(base), rate),
                exemption_reason=exemption.reason if exemption else None,
                exemption_code=exemption.code if exemption else None,
            )
        )
    line_total = money(sum(line_nets, ZERO))
    tax_exclusive = line_total - money(allowance_total) + money(charge_total)
    tax_total = sum((b.tax_amount for b in breakdown), money(ZERO))
    tax_inclusive = tax_exclusive + tax_total
    prepaid = money(invoice.prepaid_amount)
    rounding = money(invoice.rounding_amount)
    accounting = None
    if invoice.tax_currency is not None:
        if invoice.tax_exchange_rate is not None:
            accounting = money(tax_total * invoice.tax_exchange_rate)
        elif invoice.tax_currency == invoice.currency or tax_total == 0:
            accounting = tax_total
    return Totals(
        line_total=line_total,
        allowance_total=money(allowance_total),
        charge_total=money(charge_total),
        tax_exclusive=tax_exclusive,
        tax_total=tax_total,
        tax_total_accounting=accounting,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid,
        rounding=rounding,
        payable=tax_inclusive - prepaid + rounding,
        breakdown=tuple(breakdown),
        line_nets=line_nets,
    )


def _rate_key(rate: Decimal | None) -> Decimal | None:
    # 19 and 19.00 are one breakdown (BR-CO-18 groups by category and rate value).
    return None if rate is None else rate.normalize() if rate != 0 else ZERO
