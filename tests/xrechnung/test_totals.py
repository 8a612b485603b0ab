"""Totals and VAT breakdown follow BR-CO-10 ... BR-CO-17 for any model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.xrechnung import samples
from xrechnung.model import AllowanceCharge, Invoice, Line, VatCategory
from xrechnung.totals import compute_totals, line_net, money

RATES = [D("19"), D("7"), D("20"), D("5.5"), D("10"), D("2.1")]

amounts = st.decimals(min_value=D("0"), max_value=D("99999"), places=2)
quantities = st.decimals(min_value=D("-50"), max_value=D("5000"), places=3)
prices = st.decimals(min_value=D("0"), max_value=D("9999"), places=4)


@st.composite
def lines(draw: st.DrawFn, index: int) -> Line:
    rate = draw(st.sampled_from(RATES))
    allowances = draw(
        st.lists(
            st.builds(
                AllowanceCharge, is_charge=st.booleans(), amount=amounts, reason=st.just("x")
            ),
            max_size=2,
        )
    )
    return Line(
        id=str(index),
        name=f"Item {index}",
        quantity=draw(quantities),
        unit_code="C62",
        unit_price=draw(prices),
        price_base_quantity=draw(st.sampled_from([None, D("1"), D("10"), D("100")])),
        vat_category=VatCategory.STANDARD,
        vat_rate=rate,
        allowances_charges=allowances,
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    count = draw(st.integers(min_value=1, max_value=8))
    doc_acs = draw(
        st.lists(
            st.builds(
                AllowanceCharge,
                is_charge=st.booleans(),
                amount=amounts,
                reason=st.just("Rabatt"),
                vat_category=st.just(VatCategory.STANDARD),
                vat_rate=st.sampled_from(RATES),
            ),
            max_size=3,
        )
    )
    invoice = samples.domestic_german()
    invoice.lines = [draw(lines(i + 1)) for i in range(count)]
    invoice.allowances_charges = doc_acs
    invoice.prepaid_amount = draw(amounts)
    invoice.rounding_amount = draw(st.decimals(min_value=D("-0.99"), max_value=D("0.99"), places=2))
    return invoice


@settings(max_examples=150, deadline=None)
@given(invoices())
def test_business_rule_invariants_hold(invoice: Invoice) -> None:
    totals = compute_totals(invoice)
    # BR-CO-10: sum of line net amounts
    assert totals.line_total == sum(totals.line_nets, D(0))
    # BR-CO-11 / BR-CO-12: sums of document allowances and charges
    acs = invoice.allowances_charges
    assert totals.allowance_total == sum((money(a.amount) for a in acs if not a.is_charge), D(0))
    assert totals.charge_total == sum((money(a.amount) for a in acs if a.is_charge), D(0))
    # BR-CO-13: total without VAT
    assert totals.tax_exclusive == (
        totals.line_total - totals.allowance_total + totals.charge_total
    )
    # BR-CO-14: VAT total is the sum of the breakdown
    assert totals.tax_total == sum((b.tax_amount for b in totals.breakdown), D(0))
    # BR-CO-15 / BR-CO-16
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax_total
    assert totals.payable == totals.tax_inclusive - totals.prepaid + totals.rounding
    # BR-CO-17 and BR-S-08: each breakdown is its own taxable base times its rate
    for row in totals.breakdown:
        assert row.tax_amount == money(row.taxable_amount * row.rate / 100)
    # the breakdown covers every line and allowance exactly once
    assert sum((b.taxable_amount for b in totals.breakdown), D(0)) == totals.tax_exclusive
    # every document amount has at most two decimals (BR-DEC-*)
    for value in (totals.line_total, totals.tax_total, totals.payable, *totals.line_nets):
        assert value == money(value)


def test_line_net_rounds_half_up_only_at_the_end() -> None:
    line = Line(
        id="1",
        name="x",
        quantity=D("3"),
        unit_code="C62",
        unit_price=D("0.335"),
        vat_category=VatCategory.STANDARD,
        vat_rate=D("19"),
    )
    assert line_net(line) == D("1.01")  # 1.005 rounds up, not to even
    line.price_base_quantity = D("100")
    line.quantity = D("1000")
    assert line_net(line) == D("3.35")


def test_breakdown_groups_by_category_and_rate_value() -> None:
    invoice = samples.domestic_german()
    totals = compute_totals(invoice)
    keys = [(b.category, b.rate) for b in totals.breakdown]
    # 19 and 19.00 are one group; allowance and charge land in the 19 % group
    assert keys == [(VatCategory.STANDARD, D("7")), (VatCategory.STANDARD, D("19"))]
    nineteen = totals.breakdown[1]
    assert nineteen.taxable_amount == D("1053.75") + D("45.55") - D("10.00") + D("25.00")
    assert nineteen.tax_amount == D("211.72")  # 1114.30 x 0.19 = 211.717


def test_known_invoice_totals() -> None:
    totals = compute_totals(samples.domestic_german())
    assert totals.line_nets == (D("1053.75"), D("144.70"), D("45.55"))
    assert totals.line_total == D("1244.00")
    assert totals.tax_exclusive == D("1259.00")
    assert totals.tax_total == D("10.13") + D("211.72")
    assert totals.payable == D("1480.85")


def test_tax_currency_amount_uses_the_exchange_rate() -> None:
    invoice = samples.mixed_currency()
    totals = compute_totals(invoice)
    assert totals.tax_total_accounting == money(totals.tax_total * D("1.0652"))


def test_exempt_breakdown_carries_reason_and_zero_tax() -> None:
    totals = compute_totals(samples.exempt_and_zero())
    exempt = [b for b in totals.breakdown if b.category == VatCategory.EXEMPT]
    assert len(exempt) == 1
    assert exempt[0].tax_amount == 0
    assert exempt[0].exemption_reason == "Steuerfrei nach § 4 Nr. 21 UStG"
    assert totals.prepaid == D("100.00")
    assert totals.payable == totals.tax_inclusive - D("100.00") + D("0.01")


def test_issue_date_is_untouched_by_totals() -> None:
    invoice = samples.domestic_german()
    compute_totals(invoice)
    assert invoice.issue_date == date(2026, 11, 20)
